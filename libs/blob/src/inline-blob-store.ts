import { Readable } from 'node:stream';
import { GroupCommit, runMigrations, type Database, type Migration } from '@mail/db';
import { assertSafeKey } from './blob-key.js';
import { BlobStore, type PutOptions, type PutResult } from './blob-store.port.js';

/**
 * Bytes up to this size go to PostgreSQL when inlining is on (BLOB_INLINE_MAX_BYTES): nearly all
 * mail without attachments. It also bounds what a put holds in memory before it knows where the
 * body goes.
 */
export const DEFAULT_INLINE_MAX_BYTES = 64 * 1024;

/** The `blob` schema: owned by this library, written and read by every service that has a BlobStore. */
export const blobMigrations: Migration[] = [
  {
    id: '001-inline',
    sql: `
      CREATE TABLE blob.inline (
        key text PRIMARY KEY,
        bytes bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      -- compressed and kept in the heap row up to a page (no TOAST table insert and index entry per
      -- blob); lz4 as for the store's text columns: several times cheaper than pglz at about its ratio
      ALTER TABLE blob.inline ALTER COLUMN bytes SET STORAGE MAIN;
      DO $$
      BEGIN
        ALTER TABLE blob.inline ALTER COLUMN bytes SET COMPRESSION lz4;
      EXCEPTION WHEN feature_not_supported THEN
        RAISE NOTICE 'lz4 is not available: blob.inline keeps pglz';
      END
      $$;
    `,
  },
];

interface InlinePut {
  key: string;
  bytes: Buffer;
}

/**
 * Small blobs in PostgreSQL, the rest in the large store (S3): ADR 0052. A message of a few KB
 * costs an S3 PUT (a request, its signature, the object server's own work and fsync) for a body
 * smaller than its index row; here it is one more row in a commit that concurrent puts share.
 * The key does not say which side holds a blob (it is chosen before the size is known), so reads
 * look here first, by primary key, and go to the large store when there is no row: a miss costs
 * one index probe, next to a large blob's S3 GET.
 *
 * `maxBytes` 0 writes everything to the large store and still reads what an earlier setting put here.
 */
export class InlineBlobStore extends BlobStore {
  private readonly inserts: GroupCommit<InlinePut>;
  /** puts whose flush a later commit of the caller's covers (PutOptions, ADR 0063 and 0067) */
  private readonly deferredInserts: GroupCommit<InlinePut>;

  private constructor(
    private readonly db: Database,
    private readonly large: BlobStore,
    readonly maxBytes: number,
  ) {
    super();
    this.inserts = new GroupCommit((batch) => this.insert(batch, true));
    this.deferredInserts = new GroupCommit((batch) => this.insert(batch, false));
  }

  /** Brings the `blob` schema up to date (every service that opens one does; the migration lock makes that safe). */
  static async open(db: Database, large: BlobStore, maxBytes = DEFAULT_INLINE_MAX_BYTES): Promise<InlineBlobStore> {
    await runMigrations(db, 'blob', blobMigrations);
    return new InlineBlobStore(db, large, maxBytes);
  }

  /**
   * A row lock writes a WAL record and takes a transaction id, so its transaction commits
   * synchronously: the flush of its commit record covers every record before it, among them the
   * commit of the row it locked (visible to it, so committed before). A transaction that only takes
   * an id (`SELECT pg_current_xact_id()`, ADR 0061's flush) writes its commit record but, having
   * written nothing before it, commits asynchronously (xact.c: no flush without `wrote_xlog`): it
   * flushed nothing (ADR 0067). No row: the body is in the large store, or was lost with a server
   * that failed over before flushing it.
   */
  override async flushPut(key: string): Promise<boolean> {
    assertSafeKey(key);
    const { rows } = await this.db.query('SELECT 1 FROM blob.inline WHERE key = $1 FOR KEY SHARE', [key]);
    return rows.length > 0 || (await this.large.stat(key)) !== null;
  }

  async put(key: string, body: Readable | Buffer, opts?: PutOptions): Promise<PutResult> {
    assertSafeKey(key);
    const mode = opts?.flush ?? 'now';
    if (Buffer.isBuffer(body)) {
      if (body.length <= this.maxBytes) return this.putInline(key, body, mode);
      return this.putLarge(key, body);
    }
    // read until the body ends (inline) or outgrows the limit (what was read goes first to the large store)
    const held: Buffer[] = [];
    let size = 0;
    const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    for (;;) {
      const next = await chunks.next();
      if (next.done) return this.putInline(key, held.length === 1 ? held[0] : Buffer.concat(held, size), mode);
      const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
      held.push(chunk);
      size += chunk.length;
      if (size > this.maxBytes) break;
    }
    const rest = async function* () {
      yield* held;
      for (;;) {
        const next = await chunks.next();
        if (next.done) return;
        yield next.value;
      }
    };
    return this.putLarge(key, Readable.from(rest(), { objectMode: false }));
  }

  async get(key: string): Promise<Readable> {
    const bytes = await this.inline(key);
    return bytes ? Readable.from([bytes], { objectMode: false }) : this.large.get(key);
  }

  async getRange(key: string, start: number, end: number): Promise<Readable> {
    const bytes = await this.inline(key);
    if (!bytes) return this.large.getRange(key, start, end);
    return Readable.from(end > start ? [bytes.subarray(start, end)] : [], { objectMode: false });
  }

  async stat(key: string): Promise<{ size: number } | null> {
    assertSafeKey(key);
    const { rows } = await this.db.query<{ size: number }>('SELECT octet_length(bytes) AS size FROM blob.inline WHERE key = $1', [key]);
    return rows.length ? { size: Number(rows[0].size) } : this.large.stat(key);
  }

  async delete(key: string): Promise<void> {
    assertSafeKey(key);
    const { rowCount } = await this.db.query('DELETE FROM blob.inline WHERE key = $1', [key]);
    if (!rowCount) await this.large.delete(key);
  }

  async ping(): Promise<void> {
    await Promise.all([this.db.query('SELECT 1'), this.large.ping()]);
  }

  private async putInline(key: string, bytes: Buffer, mode: NonNullable<PutOptions['flush']>): Promise<PutResult> {
    // the caller's statement writes the row (PutOptions 'by-caller'): nothing to do here
    if (mode === 'by-caller') return { size: bytes.length, held: bytes };
    // resolves once the commit that holds the row is flushed: durable, as put promises; or, for a
    // caller whose later commit covers it (PutOptions), once it is committed
    if (mode === 'now') {
      await this.inserts.add({ key, bytes });
      return { size: bytes.length };
    }
    await this.deferredInserts.add({ key, bytes });
    return { size: bytes.length, deferred: true };
  }

  private async putLarge(key: string, body: Readable | Buffer): Promise<PutResult> {
    const put = await this.large.put(key, body);
    // a put replaces the blob: a smaller earlier version of the key must not shadow it
    await this.db.query('DELETE FROM blob.inline WHERE key = $1', [key]);
    return { size: put.size };
  }

  /**
   * `flush` false: the statement's own transaction commits without waiting for its WAL flush
   * (synchronous_commit off for that transaction only, set inside the statement). Its records come
   * before the caller's next commit on this database, and flushing that commit's WAL flushes them
   * too; should the server stop before, the caller's commit never happened either.
   */
  private async insert(batch: InlinePut[], flush: boolean): Promise<void> {
    await this.db.query(
      `INSERT INTO blob.inline (key, bytes) SELECT u.key, u.bytes FROM unnest($1::text[], $2::bytea[]) AS u(key, bytes)${flush ? '' : ", (SELECT set_config('synchronous_commit', 'off', true)) AS local_setting"}
       ON CONFLICT (key) DO UPDATE SET bytes = EXCLUDED.bytes, created_at = now()`,
      [batch.map((b) => b.key), batch.map((b) => b.bytes)],
    );
  }

  private async inline(key: string): Promise<Buffer | null> {
    assertSafeKey(key);
    const { rows } = await this.db.query<{ bytes: Buffer | Uint8Array }>('SELECT bytes FROM blob.inline WHERE key = $1', [key]);
    if (!rows.length) return null;
    const b = rows[0].bytes;
    return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  }
}

