import type { ConnectorTraffic } from '@mail/contracts';
import type { Database } from '@mail/db';

type Counts = ConnectorTraffic['lastDay'];
type Step = NonNullable<ConnectorTraffic['lastFailure']>;

const EMPTY: Counts = { accepted: 0, refused: 0, relayed: 0, deferred: 0, failed: 0 };
/** which count a step adds to */
const COUNTED: Record<string, keyof Counts> = { received: 'accepted', rejected: 'refused', relayed: 'relayed', deferred: 'deferred', bounced: 'failed', failed: 'failed' };
const SUCCESS = ['received', 'relayed'];
const FAILURE = ['rejected', 'deferred', 'bounced', 'failed'];
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const iso = (v: unknown) => (v instanceof Date ? v : new Date(String(v))).toISOString();

/**
 * Per-connector counts for the last hour and day and the latest success and failure, read from
 * `trace.events` through its partial (connector, at) index: a day of one connector's steps, and one
 * row each for the latest success and failure however old.
 */
export async function connectorTraffic(db: Database, names: string[] | undefined, now = new Date()): Promise<ConnectorTraffic[]> {
  const dayAgo = new Date(now.getTime() - DAY).toISOString();
  const hourAgo = new Date(now.getTime() - HOUR).toISOString();
  const connectors =
    names ??
    (
      await db.query<{ connector: string }>(
        // the names the trace knows: a loose index scan over the partial index (one probe per name)
        `WITH RECURSIVE c AS (
           (SELECT connector FROM trace.events WHERE connector IS NOT NULL ORDER BY connector LIMIT 1)
           UNION ALL
           SELECT (SELECT e.connector FROM trace.events e WHERE e.connector IS NOT NULL AND e.connector > c.connector ORDER BY e.connector LIMIT 1) FROM c WHERE c.connector IS NOT NULL
         ) SELECT connector FROM c WHERE connector IS NOT NULL`,
      )
    ).rows.map((r) => r.connector);
  if (!connectors.length) return [];

  const { rows: counts } = await db.query<{ connector: string; event: string; day: string | number; hour: string | number }>(
    `SELECT connector, event, count(*) AS day, count(*) FILTER (WHERE at >= $3) AS hour
     FROM trace.events WHERE connector = ANY($1::text[]) AND at >= $2 AND at <= $4
     GROUP BY connector, event`,
    [connectors, dayAgo, hourAgo, now.toISOString()],
  );
  const latest = async (events: string[]) =>
    (
      await db.query<{ connector: string; at: Date | string; event: Step['event']; recipient: string | null; detail: string | null }>(
        `SELECT c.name AS connector, s.at, s.event, s.recipient, s.detail
         FROM unnest($1::text[]) AS c(name)
         CROSS JOIN LATERAL (
           SELECT at, event, recipient, detail FROM trace.events
           WHERE connector = c.name AND event = ANY($2::text[]) AND at <= $3 ORDER BY at DESC LIMIT 1
         ) s`,
        [connectors, events, now.toISOString()],
      )
    ).rows;
  const [successes, failures] = await Promise.all([latest(SUCCESS), latest(FAILURE)]);

  const step = (r: (typeof successes)[number] | undefined): Step | null => (r ? { at: iso(r.at), event: r.event, recipient: r.recipient, detail: r.detail } : null);
  return connectors.map((name) => {
    const lastDay = { ...EMPTY };
    const lastHour = { ...EMPTY };
    for (const r of counts) {
      const key = COUNTED[r.event];
      if (r.connector !== name || !key) continue;
      lastDay[key] += Number(r.day);
      lastHour[key] += Number(r.hour);
    }
    return {
      connector: name,
      lastHour,
      lastDay,
      lastSuccess: step(successes.find((r) => r.connector === name)),
      lastFailure: step(failures.find((r) => r.connector === name)),
    };
  });
}
