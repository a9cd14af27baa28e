/**
 * Address rules of the directory. Addresses are stored lowercased: RFC 5321 allows case-sensitive
 * local parts, but every mail system users meet treats them case-insensitively, and two accounts
 * differing only by case would be a phishing gift.
 */
export interface ParsedAddress {
  address: string;
  localPart: string;
  domain: string;
}

// dot-atom (RFC 5322) without quoted strings: quoted local parts are legal but only cause trouble
// letters and digits of any script (RFC 6531 SMTPUTF8 local parts), besides RFC 5322's atext
const LOCAL_PART = /^[\p{Ll}\p{Lo}\p{Lm}\p{N}\p{M}!#$%&'*/=?^_`{|}~-]+(\.[\p{Ll}\p{Lo}\p{Lm}\p{N}\p{M}!#$%&'*/=?^_`{|}~-]+)*$/u;

export function normalizeAddress(raw: string): string {
  return raw.trim().toLowerCase();
}

export function normalizeDomain(raw: string): string {
  return raw.trim().toLowerCase().replace(/\.$/, '');
}

/** Splits at the last '@' (the domain can't contain one); null if it is not local@domain. */
export function parseAddress(raw: string): ParsedAddress | null {
  const address = normalizeAddress(raw);
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return null;
  const localPart = address.slice(0, at);
  const domain = normalizeDomain(address.slice(at + 1));
  return { address: `${localPart}@${domain}`, localPart, domain };
}

/**
 * user+tag@domain → user@domain and the tag; null when there is no tag to strip. Every character
 * of `separators` separates (Postfix's recipient_delimiter), the first one in the local part wins;
 * '' turns subaddressing off.
 */
export function splitSubaddress(p: ParsedAddress, separators = '+'): { base: ParsedAddress; tag: string } | null {
  let cut = -1;
  for (const sep of separators) {
    const i = p.localPart.indexOf(sep);
    if (i > 0 && (cut < 0 || i < cut)) cut = i;
  }
  if (cut <= 0) return null;
  const localPart = p.localPart.slice(0, cut);
  return { base: { address: `${localPart}@${p.domain}`, localPart, domain: p.domain }, tag: p.localPart.slice(cut + 1) };
}

/** user+tag@domain → user@domain; null when there is no tag to strip. */
export function stripSubaddress(p: ParsedAddress, separators = '+'): ParsedAddress | null {
  return splitSubaddress(p, separators)?.base ?? null;
}

/** characters that may separate subaddress tags: atext that is neither a letter, a digit nor a dot */
const SEPARATOR_CHARS = /^[!#$%&'*/=?^_`{|}~+-]{0,4}$/;

/** Why a domain's subaddress separators can't be used, or null ('' = off). */
export function separatorsProblem(separators: string): string | null {
  if (!SEPARATOR_CHARS.test(separators)) return "subaddress separators are up to 4 of the characters + - _ = ~ # ! $ % & ' * / ? ^ ` { | } (or off)";
  if (new Set(separators).size !== separators.length) return 'subaddress separators repeat a character';
  return null;
}

/**
 * Why a local part can't be provisioned, or null if it can. '+' is refused because it is the
 * subaddress separator: an account "a+b" would shadow the tag "b" of account "a".
 */
export function localPartProblem(localPart: string): string | null {
  if (localPart.length > 64) return 'the local part is longer than 64 characters';
  if (localPart.includes('+')) return "the local part may not contain '+' (it separates subaddress tags)";
  if (!LOCAL_PART.test(localPart)) return 'the local part has characters that are not allowed (letters, digits and !#$%&\'*/=?^_`{|}~.- only, no leading, trailing or double dots)';
  return null;
}
