/**
 * RFC 4314 access rights. A rights string is kept canonical: each supported right once, in the
 * order of ALL_RIGHTS, without the obsolete "c" and "d" (they are expanded when read and added back
 * when shown, RFC 4314 2.1.1).
 */
export const ALL_RIGHTS = 'lrswipkxtea';

/**
 * RFC 4314 2.1.1 leaves it to the server which of the two RFC 2086 readings of "c" and "d" it
 * takes. Ours (as the servers that control DELETE with "c"): "create" = k + x, "delete" = e + t.
 */
const CREATE = 'kx';
const DELETE = 'et';
const OBSOLETE: Record<string, string> = { c: CREATE, d: DELETE };

/** A rights argument that is not valid (RFC 4314 3.1: unknown rights MUST be refused, never ignored). */
export class InvalidRightsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRightsError';
  }
}

export type RightsMode = 'replace' | 'add' | 'remove';

export interface RightsModification {
  mode: RightsMode;
  /** canonical */
  rights: string;
}

/** Canonical form of a list of rights letters, obsolete ones expanded. Throws InvalidRightsError. */
export function canonicalRights(text: string): string {
  if (text.length > 64) throw new InvalidRightsError('rights list too long');
  const have = new Set<string>();
  for (const ch of text) {
    const expanded = OBSOLETE[ch];
    if (expanded) for (const r of expanded) have.add(r);
    else if (ALL_RIGHTS.includes(ch)) have.add(ch);
    else if (/^[A-Z]$/.test(ch)) throw new InvalidRightsError('uppercase rights are not allowed');
    else throw new InvalidRightsError(/^[\x21-\x7e]$/.test(ch) ? `the ${ch} right is not supported` : 'invalid character in rights');
  }
  let out = '';
  for (const r of ALL_RIGHTS) if (have.has(r)) out += r;
  return out;
}

/** SETACL's third argument (RFC 4314 3.1): an optional "+" or "-" then zero or more rights. */
export function parseRightsModification(text: string): RightsModification {
  const sign = text[0];
  if (sign === '+' || sign === '-') return { mode: sign === '+' ? 'add' : 'remove', rights: canonicalRights(text.slice(1)) };
  return { mode: 'replace', rights: canonicalRights(text) };
}

/** The rights after a modification, canonical. */
export function applyRights(current: string, mod: RightsModification): string {
  if (mod.mode === 'replace') return mod.rights;
  const have = new Set(current);
  for (const r of mod.rights) {
    if (mod.mode === 'add') have.add(r);
    else have.delete(r);
  }
  return canonicalRights([...have].join(''));
}

/** Does `rights` hold every right of `needed`? */
export function hasRights(rights: string, needed: string): boolean {
  for (const r of needed) if (!rights.includes(r)) return false;
  return true;
}

/** Does `rights` hold any right of `some`? */
export function hasAnyRight(rights: string, some: string): boolean {
  for (const r of some) if (rights.includes(r)) return true;
  return false;
}

/**
 * Rights as ACL and MYRIGHTS show them: RFC 4314 2.1.1 says "c" and "d" MUST be added when any
 * right of their group is there, for clients of RFC 2086.
 */
export function displayRights(rights: string): string {
  let out = rights;
  if (hasAnyRight(rights, CREATE)) out += 'c';
  if (hasAnyRight(rights, DELETE)) out += 'd';
  return out;
}

/**
 * LISTRIGHTS (RFC 4314 3.5): what is always granted and what may be granted, each right on its own
 * (none is tied to another here); "c" and "d" are listed for RFC 2086 clients. The owner of a
 * mailbox always holds every right.
 */
export function listableRights(isOwner: boolean): { required: string; optional: string[] } {
  if (isOwner) return { required: ALL_RIGHTS, optional: [] };
  return { required: '', optional: [...ALL_RIGHTS, 'c', 'd'] };
}

/**
 * Whether a session with these rights may change anything of the mailbox: without "s", "w", "t"
 * and "e" a SELECT is READ-ONLY (RFC 4314 4: nothing it could store or expunge).
 */
export function canWrite(rights: string): boolean {
  return hasAnyRight(rights, 'swte');
}
