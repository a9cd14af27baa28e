/** Collects positional parameters while a statement is assembled from fixed fragments. */
export class SqlParams {
  readonly values: unknown[] = [];

  constructor(initial: unknown[] = []) {
    this.values.push(...initial);
  }

  /** Adds a value and returns its placeholder ("$n"). */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/**
 * Rows of mail.messages `m` of mailbox `$1` inside merged uid ranges. One range becomes a
 * primary-key range scan the planner can stop early (ORDER BY uid LIMIT). Several become one index
 * range scan per range: the LATERAL subquery with OFFSET 0 is a planner fence, without which
 * PostgreSQL reads every uid of the mailbox and probes the ranges for each (seen with EXPLAIN at
 * 100k messages: 180 ms instead of < 1 ms).
 */
export function uidScope(ranges: [number, number][], params: SqlParams): { from: string; where: string } {
  if (ranges.length === 1) {
    return { from: 'mail.messages m', where: `m.uid BETWEEN ${params.add(ranges[0][0])} AND ${params.add(ranges[0][1])}` };
  }
  const lo = params.add(ranges.map((r) => r[0]));
  const hi = params.add(ranges.map((r) => r[1]));
  return {
    from: `unnest(${lo}::bigint[], ${hi}::bigint[]) AS r(lo, hi)
           CROSS JOIN LATERAL (SELECT * FROM mail.messages x WHERE x.mailbox_id = $1 AND x.uid BETWEEN r.lo AND r.hi OFFSET 0) m`,
    where: 'TRUE',
  };
}
