import type { Database } from '@mail/db';
import { LoginThrottleStore, type CounterStep } from './login-throttle.store.js';

/**
 * Login counters in `directory.login_throttle`: one upsert moves every counter of an attempt, each
 * row updated under its row lock, so concurrent attempts on any replica see distinct counts. Keys
 * go in sorted order so two attempts never lock the same rows in opposite orders.
 */
export class PgLoginThrottleStore extends LoginThrottleStore {
  constructor(private readonly db: Database) {
    super();
  }

  async step(steps: CounterStep[], windowMs: number, now: Date): Promise<Map<string, number>> {
    const merged = new Map<string, number>();
    for (const s of steps) merged.set(s.key, (merged.get(s.key) ?? 0) + s.by);
    const sorted = [...merged].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const { rows } = await this.db.query<{ key: string; hits: number }>(
      `INSERT INTO directory.login_throttle AS t (key, hits, window_ends)
       SELECT s.key, s.by, $3::timestamptz FROM unnest($1::text[], $2::int[]) AS s(key, by)
       ON CONFLICT (key) DO UPDATE SET
         hits = CASE WHEN t.window_ends <= $4::timestamptz THEN EXCLUDED.hits ELSE t.hits + EXCLUDED.hits END,
         window_ends = CASE WHEN t.window_ends <= $4::timestamptz THEN EXCLUDED.window_ends ELSE t.window_ends END
       RETURNING key, hits`,
      [sorted.map(([key]) => key), sorted.map(([, by]) => by), new Date(now.getTime() + windowMs).toISOString(), now.toISOString()],
    );
    return new Map(rows.map((r) => [r.key, Number(r.hits)]));
  }

  async forgive(keys: string[], by: number, now: Date): Promise<void> {
    if (!keys.length) return;
    const sorted = [...new Set(keys)].sort();
    if (by === Infinity) {
      await this.db.query('DELETE FROM directory.login_throttle WHERE key = ANY($1::text[])', [sorted]);
      return;
    }
    await this.db.query('UPDATE directory.login_throttle SET hits = greatest(hits - $2, 0) WHERE key = ANY($1::text[]) AND window_ends > $3', [sorted, by, now.toISOString()]);
  }

  async sweep(now: Date): Promise<void> {
    await this.db.query('DELETE FROM directory.login_throttle WHERE window_ends <= $1', [now.toISOString()]);
  }
}
