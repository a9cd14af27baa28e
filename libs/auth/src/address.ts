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
const LOCAL_PART = /^[a-z0-9!#$%&'*/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*/=?^_`{|}~-]+)*$/;

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

/** user+tag@domain → user@domain; null when there is no tag to strip. */
export function stripSubaddress(p: ParsedAddress): ParsedAddress | null {
  const plus = p.localPart.indexOf('+');
  if (plus <= 0) return null;
  const localPart = p.localPart.slice(0, plus);
  return { address: `${localPart}@${p.domain}`, localPart, domain: p.domain };
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
