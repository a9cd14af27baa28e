import { ContractError } from '@mail/contracts';

export const DELIMITER = '/';
export const INBOX = 'INBOX';

/**
 * Canonical form of a client-supplied mailbox name: "INBOX" is case-insensitive (RFC 3501 5.1),
 * including as the first level of a hierarchy ("inbox/Work" is "INBOX/Work"); other names are
 * case-sensitive. Rejects names that cannot round-trip through LIST.
 */
export function normalizeMailboxName(raw: string): string {
  const parts = raw.split(DELIMITER);
  if (parts.some((p) => p.length === 0)) throw new ContractError('INVALID', `invalid mailbox name "${raw}": empty hierarchy level`);
  // LIST wildcards and control characters would make the name unlistable or unprintable
  if (/[*%]/.test(raw) || hasControlCharacter(raw)) throw new ContractError('INVALID', `invalid mailbox name "${raw}": wildcard or control character`);
  if (parts[0].toUpperCase() === INBOX) parts[0] = INBOX;
  return parts.join(DELIMITER);
}

export function isInbox(name: string): boolean {
  return name === INBOX;
}

/** "a/b/c" → ["a", "a/b"]: the superior names RFC 3501 CREATE says should exist. */
export function parentNames(name: string): string[] {
  const parts = name.split(DELIMITER);
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join(DELIMITER));
  return out;
}

/** LIKE pattern matching every inferior of `name` ("a" → "a/%"), with LIKE metacharacters escaped. */
export function childrenPattern(name: string): string {
  return `${escapeLike(name)}${DELIMITER}%`;
}

export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function hasControlCharacter(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}
