export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

export interface QueryOptions {
  /**
   * 'cached' (the default): a repeated statement is planned once per connection (a prepared
   * statement, whose generic plan PostgreSQL keeps). 'per-call': planned on every call from the
   * table as it is now, for the few statements whose best plan changes as a table grows from empty
   * and that must not keep a plan made when it was one page long (nothing re-plans a cached
   * statement until the table is analysed).
   */
  plan?: 'cached' | 'per-call';
}

export interface Queryable {
  query<T = any>(sql: string, params?: unknown[], opts?: QueryOptions): Promise<QueryResult<T>>;
}

/**
 * SQL access, the same statements on PostgreSQL (distributed) and PGlite (embedded). Each service
 * owns one schema and qualifies its tables with it; nobody reads another service's schema.
 */
export abstract class Database implements Queryable {
  abstract readonly kind: 'postgres' | 'pglite';
  abstract query<T = any>(sql: string, params?: unknown[], opts?: QueryOptions): Promise<QueryResult<T>>;
  /** BEGIN … COMMIT around fn; ROLLBACK if it throws */
  abstract transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  abstract close(): Promise<void>;
}
