/**
 * PostgreSQL text and jsonb cannot hold U+0000 (error 22021/22P05), and a hostile message can put
 * one anywhere: a raw or encoded Subject, Message-ID, HELO name, DSN ENVID. Every value taken from
 * the wire that goes into a text or jsonb column passes through here, so such a message is stored
 * and delivered (with U+FFFD where the NUL was) instead of failing its write and being answered
 * 4xx forever. The raw message bytes live in the blob and are never touched.
 */
export function textForColumn(s: string): string;
export function textForColumn(s: string | null): string | null;
export function textForColumn(s: string | undefined): string | undefined;
export function textForColumn(s: string | null | undefined): string | null | undefined {
  return typeof s === 'string' && s.includes('\u0000') ? s.replaceAll('\u0000', '\uFFFD') : s;
}

const cleanStrings = (_key: string, v: unknown) => (typeof v === 'string' ? textForColumn(v) : v);

/**
 * JSON.stringify for a jsonb (or JSON-in-text) column: every string in it cleaned as textForColumn.
 * JSON.stringify writes a U+0000 as the six characters `\u0000`, so text without them has none to
 * clean and is answered as it is; only text with them (or a literal backslash before `u0000`,
 * harmlessly) is made again with the replacer, which calls back for every value of a ~10 KB
 * message index (ADR 0075: the store's and delivery's share of the CPU per message).
 */
export function jsonForColumn(value: unknown): string {
  const json = JSON.stringify(value);
  return typeof json === 'string' && json.includes('\\u0000') ? JSON.stringify(value, cleanStrings) : json;
}
