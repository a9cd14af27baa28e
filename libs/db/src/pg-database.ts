import pg from 'pg';
import { Database, type QueryOptions, type QueryResult, type Queryable } from './database.port.js';

// BIGINT (int8) columns hold UIDs, MODSEQs and sizes, all far below 2^53: return numbers, not strings.
pg.types.setTypeParser(20, (v) => Number(v));

/**
 * Names for the statements a service runs again and again, so that each pooled connection parses
 * and plans them once (PostgreSQL prepared statements) instead of on every call: the queue, append
 * and fetch statements run hundreds of times a second. Capped, because some SQL is built per
 * request (searches); past the cap a statement simply runs unnamed, as before.
 */
class StatementNames {
  private readonly names = new Map<string, string>();
  constructor(private readonly max: number) {}

  nameOf(sql: string): string | undefined {
    let name = this.names.get(sql);
    if (!name && this.names.size < this.max) {
      name = `mail_${this.names.size}`;
      this.names.set(sql, name);
    }
    return name;
  }
}

export class PgDatabase extends Database {
  readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly statements = new StatementNames(500);

  constructor(url: string, opts: { max?: number; applicationName?: string } = {}) {
    super();
    this.pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10, application_name: opts.applicationName });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    this.pool.on('error', () => undefined);
  }

  async query<T = any>(sql: string, params: unknown[] = [], opts: QueryOptions = {}): Promise<QueryResult<T>> {
    const res = await this.pool.query(this.config(sql, params, opts));
    return { rows: res.rows as T[], rowCount: res.rowCount ?? 0 };
  }

  /** Parameterless SQL may hold several statements (migrations), which only the simple protocol runs. */
  private config(sql: string, params: unknown[], opts: QueryOptions): pg.QueryConfig {
    if (!params.length) return { text: sql };
    return { text: sql, values: params, name: opts.plan === 'per-call' ? undefined : this.statements.nameOf(sql) };
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const tx: Queryable = {
      query: async <R>(sql: string, params: unknown[] = [], opts: QueryOptions = {}) => {
        const res = await client.query(this.config(sql, params, opts));
        return { rows: res.rows as R[], rowCount: res.rowCount ?? 0 };
      },
    };
    try {
      await client.query('BEGIN');
      const result = await fn(tx);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
