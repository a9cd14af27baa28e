import { mkdir } from 'node:fs/promises';
import { PGlite, types } from '@electric-sql/pglite';
import { stripOtherAccess } from './strip-other-access.js';
import { PGLITE_SETTINGS, pgliteTemplateFor, unpackPgliteTemplate } from './pglite-template.js';
import { Database, type QueryResult, type Queryable } from './database.port.js';

/** Embedded PostgreSQL (WASM) for `npm start` and fast tests; data in a directory or in memory. */
export class PgliteDatabase extends Database {
  readonly kind = 'pglite' as const;

  private constructor(
    private readonly pg: PGlite,
    private readonly dataDir: string | undefined,
  ) {
    super();
  }

  static async open(dataDir?: string): Promise<PgliteDatabase> {
    // PGlite creates only the last directory of the path; a fresh clone has no DATA_DIR yet.
    // private to the platform's user; PGlite sets its files to 0666 itself, hence stripOtherAccess below
    if (dataDir) await mkdir(dataDir, { recursive: true, mode: 0o700 });
    // a fresh database starts from the committed initdb output, not from initdb in process (ADR 0042):
    // on disk unpacked before PGlite opens the directory, in memory loaded by PGlite (ADR 0054)
    const template = dataDir ? (await unpackPgliteTemplate(dataDir), null) : await pgliteTemplateFor(undefined);
    const pg = await PGlite.create({
      dataDir,
      ...(template ? { loadDataDir: template } : {}),
      startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS.flatMap((s) => ['-c', s])],
      // int8 as number, like the pg adapter
      parsers: { [types.INT8]: (v: string) => Number(v) },
    });
    if (dataDir) await stripOtherAccess(dataDir);
    return new PgliteDatabase(pg, dataDir);
  }

  async query<T = any>(sql: string, params: unknown[] = []): Promise<QueryResult<T>> {
    if (!params.length) return this.execSimple<T>(sql);
    const res = await this.pg.query<T>(sql, params);
    return { rows: res.rows, rowCount: res.affectedRows ? res.affectedRows : res.rows.length };
  }

  /** Parameterless statements may hold several commands (migrations): run them with exec. */
  private async execSimple<T>(sql: string): Promise<QueryResult<T>> {
    const results = await this.pg.exec(sql);
    const last = results[results.length - 1];
    return { rows: (last?.rows ?? []) as T[], rowCount: last?.affectedRows || last?.rows.length || 0 };
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.pg.transaction(async (t) =>
      fn({
        query: async <R>(sql: string, params: unknown[] = []) => {
          if (!params.length) return execIn<R>(t, sql);
          const res = await t.query<R>(sql, params);
          return { rows: res.rows, rowCount: res.affectedRows ? res.affectedRows : res.rows.length };
        },
      }),
    );
  }

  async close(): Promise<void> {
    if (!this.pg.closed) await this.pg.close();
    if (this.dataDir) await stripOtherAccess(this.dataDir);
  }
}

async function execIn<R>(t: { exec(sql: string): Promise<Array<{ rows: unknown[]; affectedRows?: number }>> }, sql: string) {
  const results = await t.exec(sql);
  const last = results[results.length - 1];
  return { rows: (last?.rows ?? []) as R[], rowCount: last?.affectedRows || last?.rows.length || 0 };
}
