import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Database, type QueryOptions, type QueryResult, type Queryable } from './database.port.js';
import { errorOf, type PgliteThreadReply, type PgliteThreadRequest, type PgliteThreadStart } from './pglite-thread-protocol.js';
import type { SchemaMigrations } from './pglite-template.js';

/** a request without its id, which `call` gives it */
type Ask = PgliteThreadRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/**
 * PGlite on a thread of its own (ADR 0082): the embedded process runs every service on one event
 * loop, and PGlite's WASM PostgreSQL was about half of that loop's time per message. Here it runs in
 * a worker thread (pglite-thread-worker.ts, a PgliteDatabase: the same template, named statements and
 * WAL durability), so SQL runs while the main thread parses SMTP, MIME and IMAP. Each statement is one
 * message each way over the worker's port; a transaction stays open in the thread while the caller's
 * function runs here, its statements sent with its id.
 */
export class PgliteThreadDatabase extends Database {
  readonly kind = 'pglite' as const;
  private next = 1;
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  /** set once the thread is gone: every later call fails with it */
  private gone: Error | undefined;

  /** from a successful open to close(): the thread's end in between is a loss (before: open's error; after: expected) */
  private live = false;

  private constructor(
    private readonly worker: Worker,
    private readonly onLost?: (err: Error) => void,
  ) {
    super();
    worker.on('message', (reply: PgliteThreadReply) => {
      const w = this.waiting.get(reply.id);
      if (!w) return;
      this.waiting.delete(reply.id);
      if (reply.ok) w.resolve(reply.value);
      else w.reject(errorOf(reply.error));
    });
    const fail = (err: Error) => {
      const first = !this.gone;
      this.gone ??= err;
      for (const w of this.waiting.values()) w.reject(this.gone);
      this.waiting.clear();
      // the process's database is gone for good: its owner decides (the embedded process exits, so
      // its supervisor restarts it, rather than answering every request with an error)
      if (first && this.live) this.onLost?.(err);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the PGlite thread exited (${code})`)));
  }

  /**
   * PGlite under `dataDir` (in memory without one) on a new thread; resolves once the database is
   * open. `onLost`: called once if the thread dies or exits before close().
   */
  static async open(dataDir?: string, opts: { migrations?: SchemaMigrations; onLost?: (err: Error) => void } = {}): Promise<PgliteThreadDatabase> {
    const workerData: PgliteThreadStart = { dataDir, migrations: opts.migrations };
    const worker = new Worker(join(__dirname, 'pglite-thread-worker.js'), { workerData });
    const db = new PgliteThreadDatabase(worker, opts.onLost);
    // the thread's first message (id 0) says the database is open, or why not
    db.next = 1;
    await new Promise<unknown>((resolve, reject) => db.waiting.set(0, { resolve, reject })).catch(async (err: unknown) => {
      await worker.terminate();
      throw err;
    });
    db.live = true;
    return db;
  }

  private call<T>(ask: Ask): Promise<T> {
    if (this.gone) return Promise.reject(this.gone);
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...ask, id } as PgliteThreadRequest);
    });
  }

  query<T = any>(sql: string, params: unknown[] = [], opts: QueryOptions = {}): Promise<QueryResult<T>> {
    return this.call<QueryResult<T>>({ op: 'query', sql, params, opts });
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const tx = await this.call<number>({ op: 'begin' });
    let result: T;
    try {
      result = await fn({ query: <R>(sql: string, params: unknown[] = [], opts: QueryOptions = {}) => this.call<QueryResult<R>>({ op: 'query', sql, params, opts, tx }) });
    } catch (err) {
      // the thread rolls back; the caller hears its own error, not a failed ROLLBACK's
      await this.call({ op: 'end', tx, commit: false }).catch(() => undefined);
      throw err;
    }
    await this.call({ op: 'end', tx, commit: true });
    return result;
  }

  /** The whole data directory as a gzipped tar. */
  dumpDataDir(): Promise<Blob> {
    return this.call<Blob>({ op: 'dump' });
  }

  async close(): Promise<void> {
    if (this.gone) return;
    this.live = false;
    await this.call({ op: 'close' });
    // closed and its WAL flushed: nothing left in the thread to wait for
    await this.worker.terminate();
  }
}
