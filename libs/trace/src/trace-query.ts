import { ContractError, type TraceFilter } from '@mail/contracts';
import { bareMessageId, matchOf, type LikeMatch } from './wildcard.js';

export interface SqlQuery {
  sql: string;
  params: unknown[];
}

/** A message's status from its recipients' latest steps, as statusOf (trace-status.ts) derives it. */
const STATUS = `
  SELECT CASE
    WHEN count(*) = 0 THEN CASE WHEN EXISTS (SELECT 1 FROM trace.events r WHERE r.trace_key = m.trace_key AND r.event = 'rejected') THEN 'refused' ELSE 'pending' END
    WHEN bool_and(last.event = 'rejected') THEN 'refused'
    WHEN bool_or(last.event IN ('received', 'queued', 'expanded', 'deferred')) THEN 'pending'
    WHEN bool_and(last.event IN ('delivered', 'relayed')) THEN 'delivered'
    WHEN bool_or(last.event IN ('delivered', 'relayed')) THEN 'partial'
    ELSE 'failed'
  END AS status
  FROM (
    SELECT DISTINCT ON (e.recipient) e.event
    FROM trace.events e
    WHERE e.trace_key = m.trace_key AND e.recipient IS NOT NULL
    ORDER BY e.recipient, e.at DESC, e.id DESC
  ) last`;

/**
 * The SQL of a trace search (messages newest first, with their status), from a validated filter.
 * Every value is a parameter; patterns become LIKE patterns with `%`, `_` and `\` escaped. The
 * caller runs it planned per call: a LIKE prefix can use an index only when the planner sees the
 * pattern, which a generic plan of a prepared statement does not.
 */
export function buildTraceSearch(f: TraceFilter): SqlQuery {
  if (!f.sender && !f.recipient && !f.messageId && !f.clientIp) throw new ContractError('INVALID', 'give at least one of sender, recipient, messageId, clientIp');
  const params: unknown[] = [];
  const p = (v: unknown) => (params.push(v), `$${params.length}`);
  const where: string[] = [];
  const match = (column: string, pattern: string) => {
    const conds = conditions(column, matchOf(pattern), p);
    if (!conds) throw new ContractError('INVALID', `the pattern ${JSON.stringify(pattern)} needs something besides *`);
    return conds;
  };

  if (f.sender) where.push(...match('m.sender', f.sender.toLowerCase()));
  if (f.messageId) where.push(...match('m.message_id', bareMessageId(f.messageId)));
  if (f.clientIp) where.push(...match('m.client_ip', f.clientIp.toLowerCase()));
  if (f.recipient) {
    where.push(`m.trace_key IN (SELECT e.trace_key FROM trace.events e WHERE ${match('e.recipient', f.recipient.toLowerCase()).join(' AND ')})`);
  }
  if (f.since) where.push(`m.received_at >= ${p(f.since)}`);
  if (f.until) where.push(`m.received_at <= ${p(f.until)}`);

  const limit = p(f.limit);
  const order = 'ORDER BY m.received_at DESC, m.trace_key';
  const columns = 'm.trace_key, m.message_id, m.sender, m.received_at, m.trace_id';
  // Without a status filter the status comes from the steps the repository reads anyway (statusOf);
  // with one, SQL derives it for every candidate of the other filters.
  const sql = f.status
    ? `SELECT ${columns} FROM trace.messages m CROSS JOIN LATERAL (${STATUS}) st
       WHERE ${where.join(' AND ')} AND st.status = ${p(f.status)} ${order} LIMIT ${limit}`
    : `SELECT ${columns} FROM trace.messages m WHERE ${where.join(' AND ')} ${order} LIMIT ${limit}`;
  return { sql, params };
}

/** the SQL conditions for one column, or null for a pattern that matches everything */
function conditions(column: string, m: LikeMatch, p: (v: unknown) => string): string[] | null {
  if (m.equals !== undefined) return [`${column} = ${p(m.equals)}`];
  if (!m.like || /^%*$/.test(m.like)) return null;
  const conds = [`${column} LIKE ${p(m.like)}`];
  if (m.reversedLike) conds.push(`reverse(${column}) LIKE ${p(m.reversedLike)}`);
  return conds;
}
