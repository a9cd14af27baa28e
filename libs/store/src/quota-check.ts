import type { AccountQuota } from '@mail/contracts';

/** What an account holds, or what an operation adds to it. */
export interface QuotaUse {
  bytes: number;
  messages: number;
}

/** The limits that apply to one operation; null: unlimited. */
export interface QuotaLimits {
  bytes: number | null;
  messages: number | null;
}

/**
 * The quota rule is written once (`refuses`, `limitOf`) in these few terms and read twice: as
 * TypeScript (`TS`, for the checks in the store's code) and as SQL (`SQL`, for the append
 * statement that checks the quota itself, ADR 0069), so the two cannot drift (ADR 0073).
 */
interface Terms<V, B> {
  /** a limit is set (null: unlimited) */
  limitSet(limit: V): B;
  /** an amount adds something */
  positive(amount: V): B;
  /** `used` + `adding` goes past `limit` */
  past(used: V, adding: V, limit: V): B;
  all(...conditions: B[]): B;
  /** the first value that is set */
  first(...values: V[]): V;
}

const TS: Terms<number | null, boolean> = {
  limitSet: (limit) => limit != null,
  positive: (amount) => amount != null && amount > 0,
  past: (used, adding, limit) => (used ?? 0) + (adding ?? 0) > (limit ?? Infinity),
  all: (...conditions) => conditions.every(Boolean),
  first: (...values) => values.find((v) => v != null) ?? null,
};

const SQL: Terms<string, string> = {
  limitSet: (limit) => `${limit} IS NOT NULL`,
  positive: (amount) => `${amount} > 0`,
  past: (used, adding, limit) => `${used} + ${adding} > ${limit}`,
  all: (...conditions) => conditions.map((c) => `(${c})`).join(' AND '),
  first: (...values) => `coalesce(${values.join(', ')})`,
};

/**
 * THE RULE, per counted thing (bytes, messages): adding refuses when a limit is set, something is
 * added, and what is used plus what is added goes past the limit. Removing, or adding nothing (a
 * MOVE, an empty COPY), never refuses, even over quota; an account over a lowered limit takes
 * nothing more.
 */
function refuses<V, B>(t: Terms<V, B>, used: V, adding: V, limit: V): B {
  return t.all(t.limitSet(limit), t.positive(adding), t.past(used, adding, limit));
}

/**
 * The limit that applies: the directory's (passed by the caller: delivery from the recipient
 * resolution, access from the account), else the store's own column, else its default. A
 * directory limit of null for bytes still falls back to the store default, so an operator's
 * `STORE_DEFAULT_QUOTA_BYTES` caps accounts the directory leaves open; messages have only the
 * directory's.
 */
function limitOf<V, B>(t: Terms<V, B>, given: V, column?: V, storeDefault?: V): V {
  return t.first(...[given, column, storeDefault].filter((v): v is V => v !== undefined));
}

/** The counted things, in the order they are checked (the first refused is the one reported). */
const COUNTED = ['bytes', 'messages'] as const;

/** The limits an append or copy is held to (`limitOf`). */
export function effectiveLimits(given: AccountQuota | undefined, storeQuotaBytes: number | null, defaultQuotaBytes: number | null): QuotaLimits {
  return { bytes: limitOf(TS, given?.bytes ?? null, storeQuotaBytes, defaultQuotaBytes), messages: limitOf(TS, given?.messages ?? null) };
}

/**
 * Why adding `adding` to `used` goes over `limits` (`refuses`), or null. One check for APPEND (IMAP
 * and delivery) and COPY, so every way into a mailbox counts the same.
 */
export function quotaProblem(used: QuotaUse, adding: QuotaUse, limits: QuotaLimits): string | null {
  const refused = COUNTED.find((k) => refuses(TS, used[k], adding[k], limits[k]));
  if (refused === 'bytes') return `mailbox full: ${used.bytes} of ${limits.bytes} bytes used, ${adding.bytes} more needed`;
  if (refused === 'messages') return `mailbox full: ${used.messages} of ${limits.messages} messages, ${adding.messages} more needed`;
  return null;
}

/** SQL expressions of the statement, by counted thing (values or columns of the caller's SQL, never values spliced in). */
type SqlOf = Record<(typeof COUNTED)[number], string>;

/** `effectiveLimits` as SQL expressions: `given` the caller's parameters, `column` the account's quota_bytes, `storeDefault` the store's. */
export function effectiveLimitsSql(given: SqlOf, column: string, storeDefault: string): SqlOf {
  return { bytes: limitOf(SQL, given.bytes, column, storeDefault), messages: limitOf(SQL, given.messages) };
}

/** The SQL condition that `quotaProblem` would answer null: nothing counted is refused. */
export function quotaFitsSql(used: SqlOf, adding: SqlOf, limits: SqlOf): string {
  return COUNTED.map((k) => `NOT (${refuses(SQL, used[k], adding[k], limits[k])})`).join(' AND ');
}
