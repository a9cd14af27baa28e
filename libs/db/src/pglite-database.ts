import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite, types, type Results } from '@electric-sql/pglite';
import { stripOtherAccess } from './strip-other-access.js';
import { PGLITE_SETTINGS, pgliteTemplateFor, unpackPgliteTemplate, type SchemaMigrations } from './pglite-template.js';
import { Database, type QueryOptions, type QueryResult, type Queryable } from './database.port.js';
import { PgliteStatements } from './pglite-statements.js';
import { WalFlusher } from './wal-flusher.js';

/** where PGlite mounts the data directory inside its WASM filesystem */
const PGDATA = '/pglite/data';
/** a WAL segment file's name: timeline, log and segment, 8 hex digits each */
const WAL_SEGMENT = /^[0-9A-F]{24}$/;

interface NodeFsStream {
  path?: string;
}
interface NodeFsStreamOps {
  write(stream: NodeFsStream, ...rest: unknown[]): number;
}

/**
 * Every write PGlite makes into its WAL directory goes past the flusher (ADR 0062). The Node
 * filesystem's stream operations are one object per PGlite instance (its WASM module's NODEFS).
 */
function watchWalWrites(pg: PGlite, dataDir: string): WalFlusher {
  const walDir = join(dataDir, 'pg_wal');
  const flusher = new WalFlusher(walDir);
  const nodefs = (pg.Module as unknown as { NODEFS?: { stream_ops?: NodeFsStreamOps } }).NODEFS;
  const ops = nodefs?.stream_ops;
  if (!ops) throw new Error('PGlite: its Node filesystem is not where ADR 0062 expects it: commits cannot be made durable');
  const prefix = `${PGDATA}/pg_wal/`;
  const write = ops.write;
  ops.write = function (stream, ...rest) {
    const n = write.call(this, stream, ...rest);
    // segments only: PostgreSQL zero-fills a new one as xlogtemp.N and renames it, and that name
    // is gone by the flush; the writes that follow land under the segment's own name
    if (stream.path?.startsWith(prefix) && WAL_SEGMENT.test(stream.path.slice(prefix.length))) flusher.written(join(walDir, stream.path.slice(prefix.length)));
    return n;
  };
  return flusher;
}

/** Embedded PostgreSQL (WASM) for `npm start` and fast tests; data in a directory or in memory. */
export class PgliteDatabase extends Database {
  readonly kind = 'pglite' as const;
  private readonly statements: PgliteStatements;

  private constructor(
    private readonly pg: PGlite,
    private readonly dataDir: string | undefined,
    /** on disk only: commits are answered once their WAL is on disk (ADR 0062) */
    readonly wal?: WalFlusher,
  ) {
    super();
    this.statements = new PgliteStatements(pg);
  }

  /** `migrations`: what the process will run at start; a fresh directory then starts from the schema template when it matches (ADR 0070) */
  static async open(dataDir?: string, opts: { migrations?: SchemaMigrations } = {}): Promise<PgliteDatabase> {
    // PGlite creates only the last directory of the path; a fresh clone has no DATA_DIR yet.
    // private to the platform's user; PGlite sets its files to 0666 itself, hence stripOtherAccess below
    if (dataDir) await mkdir(dataDir, { recursive: true, mode: 0o700 });
    // a fresh database starts from the committed initdb output, not from initdb in process (ADR 0042):
    // on disk unpacked before PGlite opens the directory, in memory loaded by PGlite (ADR 0054)
    const template = dataDir ? (await unpackPgliteTemplate(dataDir, opts.migrations), null) : await pgliteTemplateFor(undefined);
    const pg = await PGlite.create({
      dataDir,
      ...(template ? { loadDataDir: template } : {}),
      startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS.flatMap((s) => ['-c', s])],
      // int8 as number, like the pg adapter
      parsers: { [types.INT8]: (v: string) => Number(v) },
    });
    if (dataDir) await stripOtherAccess(dataDir);
    return new PgliteDatabase(pg, dataDir, dataDir ? watchWalWrites(pg, dataDir) : undefined);
  }

  async query<T = any>(sql: string, params: unknown[] = [], opts: QueryOptions = {}): Promise<QueryResult<T>> {
    const writes = this.wal?.writes;
    if (!params.length) return this.durable(writes, await this.execSimple<T>(sql));
    if (!this.named(sql, opts)) return this.durable(writes, await unnamed<T>(this.pg, sql, params));
    // as PGlite's own query: its transaction lock keeps the statement out of another caller's transaction
    const res = await this.pg._runExclusiveTransaction(() => this.pg._runExclusiveQuery(() => this.statements.run<T>(sql, params, true)));
    return this.durable(writes, res);
  }

  /** a statement with parameters runs named and prepared once (ADR 0076), unless it is planned per call or past the cap */
  private named(sql: string, opts: QueryOptions): boolean {
    return opts.plan !== 'per-call' && this.statements.has(sql);
  }

  /**
   * An autocommitted statement or a transaction during which WAL was written is answered once that
   * WAL is on disk (ADR 0062); PGlite runs one statement at a time, so a write seen meanwhile may be
   * another caller's, and then this one waits for a flush it did not need. A read alone waits for nothing.
   */
  private async durable<R>(writesBefore: number | undefined, result: R): Promise<R> {
    if (this.wal && this.wal.writes !== writesBefore) await this.wal.flush();
    return result;
  }

  /** Parameterless statements may hold several commands (migrations): run them with exec. */
  private async execSimple<T>(sql: string): Promise<QueryResult<T>> {
    const results = await this.pg.exec(sql);
    const last = results[results.length - 1];
    return { rows: (last?.rows ?? []) as T[], rowCount: last?.affectedRows || last?.rows.length || 0 };
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const writes = this.wal?.writes;
    const result = await this.pg.transaction(async (t) =>
      fn({
        query: async <R>(sql: string, params: unknown[] = [], opts: QueryOptions = {}) => {
          if (!params.length) return execIn<R>(t, sql);
          if (!this.named(sql, opts)) return unnamed<R>(t, sql, params);
          // the transaction holds PGlite's transaction lock; a statement in it takes only the query lock
          return this.pg._runExclusiveQuery(() => this.statements.run<R>(sql, params, false));
        },
      }),
    );
    return this.durable(writes, result);
  }

  /** The whole data directory as a gzipped tar (scripts/pglite-template.mjs makes the templates with it). */
  async dumpDataDir(): Promise<Blob> {
    return this.pg.dumpDataDir('gzip');
  }

  async close(): Promise<void> {
    if (!this.pg.closed) await this.pg.close();
    await this.wal?.close();
    if (this.dataDir) await stripOtherAccess(this.dataDir);
  }
}

/** PGlite's own extended query: an unnamed statement, parsed and planned on every call */
async function unnamed<R>(q: { query<X>(sql: string, params?: unknown[]): Promise<Results<X>> }, sql: string, params: unknown[]): Promise<QueryResult<R>> {
  const res = await q.query<R>(sql, params);
  return { rows: res.rows, rowCount: res.affectedRows ? res.affectedRows : res.rows.length };
}

async function execIn<R>(t: { exec(sql: string): Promise<Array<{ rows: unknown[]; affectedRows?: number }>> }, sql: string) {
  const results = await t.exec(sql);
  const last = results[results.length - 1];
  return { rows: (last?.rows ?? []) as R[], rowCount: last?.affectedRows || last?.rows.length || 0 };
}
