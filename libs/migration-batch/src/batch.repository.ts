import { randomUUID } from 'node:crypto';
import type { BatchState, BatchUserState } from '@mail/contracts';
import { nowPlusMs, type Database, type Queryable } from '@mail/db';
import type { FolderProgress } from './copy/folder-progress.js';

export interface BatchRow {
  id: string;
  name: string;
  host: string;
  port: number;
  tls: 'implicit' | 'starttls' | 'none';
  insecure: boolean;
  max_connections: number;
  messages_per_second: number;
  state: BatchState;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
}

export interface UserSummaryRow {
  id: string;
  email_address: string;
  user_name: string;
  state: BatchUserState;
  attempts: number;
  last_error: string | null;
  last_error_at: Date | null;
  started_at: Date | null;
  finished_at: Date | null;
  folders: string;
  messages_total: string;
  messages_done: string;
  bytes_done: string;
  errors: string;
}

/** Where a batch's source server is and how hard its users may use it. */
type BatchSource = Pick<BatchRow, 'host' | 'port' | 'tls' | 'insecure' | 'max_connections' | 'messages_per_second'>;

/** A user leased by one worker, with what it needs to run: the user and its batch's source. */
export interface ClaimedUser extends BatchSource {
  id: string;
  batch_id: string;
  batch_name: string;
  email_address: string;
  user_name: string;
  password_sealed: string;
  pass: number;
  attempts: number;
}

export interface NewUser {
  emailAddress: string;
  userName: string;
  passwordSealed: string;
}

const BATCH_COLUMNS = 'id, name, host, port, tls, insecure, max_connections, messages_per_second, state, created_at, started_at, completed_at';

/** SQL over the `migration_batch` schema; the same statements on PostgreSQL and PGlite. */
export class BatchRepository {
  constructor(private readonly db: Database) {}

  async create(b: Omit<BatchRow, 'id' | 'state' | 'created_at' | 'started_at' | 'completed_at'>, users: NewUser[]): Promise<BatchRow> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<BatchRow>(
        `INSERT INTO migration_batch.batches (id, name, host, port, tls, insecure, max_connections, messages_per_second)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${BATCH_COLUMNS}`,
        [randomUUID(), b.name, b.host, b.port, b.tls, b.insecure, b.max_connections, b.messages_per_second],
      );
      if (users.length) await this.insertUsers(tx, rows[0].id, users);
      return rows[0];
    });
  }

  async insertUsers(q: Queryable, batchId: string, users: NewUser[]): Promise<void> {
    await q.query(
      `INSERT INTO migration_batch.users (id, batch_id, email_address, user_name, password_sealed)
       SELECT id, $1, e, u, p FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[]) AS t(id, e, u, p)`,
      [batchId, users.map(() => randomUUID()), users.map((u) => u.emailAddress), users.map((u) => u.userName), users.map((u) => u.passwordSealed)],
    );
  }

  async byName(q: Queryable, name: string, lock = false): Promise<BatchRow | null> {
    const { rows } = await q.query<BatchRow>(`SELECT ${BATCH_COLUMNS} FROM migration_batch.batches WHERE lower(name) = lower($1)${lock ? ' FOR UPDATE' : ''}`, [name]);
    return rows[0] ?? null;
  }

  async list(): Promise<BatchRow[]> {
    const { rows } = await this.db.query<BatchRow>(`SELECT ${BATCH_COLUMNS} FROM migration_batch.batches ORDER BY created_at, name`);
    return rows;
  }

  /** per-user totals (users joined to their folders' sums), for a page of a batch's users or one user */
  async users(batchId: string, opts: { offset: number; limit: number; address?: string }): Promise<UserSummaryRow[]> {
    const { rows } = await this.db.query<UserSummaryRow>(
      `SELECT u.id, u.email_address, u.user_name, u.state, u.attempts, u.last_error, u.last_error_at, u.started_at, u.finished_at,
              count(f.remote_path) AS folders, coalesce(sum(f.messages_total), 0) AS messages_total, coalesce(sum(f.messages_done), 0) AS messages_done,
              coalesce(sum(f.bytes_done), 0) AS bytes_done, coalesce(sum(f.errors), 0) AS errors
       FROM migration_batch.users u LEFT JOIN migration_batch.folders f ON f.user_id = u.id
       WHERE u.batch_id = $1 AND ($2::text IS NULL OR lower(u.email_address) = lower($2))
       GROUP BY u.id ORDER BY lower(u.email_address) OFFSET $3 LIMIT $4`,
      [batchId, opts.address ?? null, opts.offset, opts.limit],
    );
    return rows;
  }

  async folders(userId: string): Promise<FolderProgress[]> {
    const { rows } = await this.db.query<FolderRow>(`SELECT ${FOLDER_COLUMNS} FROM migration_batch.folders WHERE user_id = $1 ORDER BY local_name`, [userId]);
    return rows.map(folderFromRow);
  }

  /** a batch's totals: users by state, folders, messages and bytes */
  async counts(batchId: string): Promise<{ byState: Record<string, number>; folders: number; messagesTotal: number; messagesDone: number; bytesDone: number; errors: number }> {
    const [states, sums] = await Promise.all([
      this.db.query<{ state: string; n: string }>('SELECT state, count(*) AS n FROM migration_batch.users WHERE batch_id = $1 GROUP BY state', [batchId]),
      this.db.query<{ folders: string; total: string; done: string; bytes: string; errors: string }>(
        `SELECT count(*) AS folders, coalesce(sum(f.messages_total), 0) AS total, coalesce(sum(f.messages_done), 0) AS done,
                coalesce(sum(f.bytes_done), 0) AS bytes, coalesce(sum(f.errors), 0) AS errors
         FROM migration_batch.folders f JOIN migration_batch.users u ON u.id = f.user_id WHERE u.batch_id = $1`,
        [batchId],
      ),
    ]);
    const s = sums.rows[0];
    return {
      byState: Object.fromEntries(states.rows.map((r) => [r.state, Number(r.n)])),
      folders: Number(s.folders),
      messagesTotal: Number(s.total),
      messagesDone: Number(s.done),
      bytesDone: Number(s.bytes),
      errors: Number(s.errors),
    };
  }

  async setBatchState(q: Queryable, batchId: string, state: BatchState, stamp?: 'started_at' | 'completed_at'): Promise<void> {
    await q.query(`UPDATE migration_batch.batches SET state = $2${stamp ? `, ${stamp} = coalesce(${stamp}, now())` : ''} WHERE id = $1`, [batchId, state]);
  }

  /** users in `from` states become queued for `pass` (attempts start again) */
  async queueUsers(q: Queryable, batchId: string, from: BatchUserState[], pass: number): Promise<number> {
    const { rowCount } = await q.query(
      `UPDATE migration_batch.users SET state = 'queued', pass = $3, attempts = 0, next_attempt_at = now(), finished_at = NULL
       WHERE batch_id = $1 AND state = ANY($2::text[])`,
      [batchId, from, pass],
    );
    return rowCount;
  }

  /** queued users that no worker holds are stopped at once; running ones stop after their chunk */
  async stopQueued(q: Queryable, batchId: string): Promise<void> {
    await q.query(`UPDATE migration_batch.users SET state = 'stopped' WHERE batch_id = $1 AND state = 'queued'`, [batchId]);
  }

  async delete(batchId: string): Promise<void> {
    await this.db.query('DELETE FROM migration_batch.batches WHERE id = $1', [batchId]);
  }

  /**
   * Leases the next user whose time has come, if its source host has a connection to spare. Claims
   * are serialised by one advisory lock so that the per-host count cannot be overtaken by a
   * concurrent claim on another replica; a claim is one short transaction per user job, so the
   * lock is never hot. A lease that ran out (its worker died) is claimable like a queued user.
   */
  async claim(owner: string, leaseMs: number): Promise<ClaimedUser | null> {
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('migration_batch:claim'))`);
      const { rows } = await tx.query<ClaimedUser>(
        `WITH busy AS (
           SELECT lower(b.host) AS host, count(*) AS n
           FROM migration_batch.users u JOIN migration_batch.batches b ON b.id = u.batch_id
           WHERE u.state = 'running' AND u.lease_until > now()
           GROUP BY lower(b.host)
         )
         SELECT u.id, u.batch_id, b.name AS batch_name, u.email_address, u.user_name, u.password_sealed, u.pass, u.attempts,
                b.host, b.port, b.tls, b.insecure, b.max_connections, b.messages_per_second
         FROM migration_batch.users u JOIN migration_batch.batches b ON b.id = u.batch_id
         WHERE b.state IN ('running', 'completing')
           AND ((u.state = 'queued' AND u.next_attempt_at <= now()) OR (u.state = 'running' AND u.lease_until <= now()))
           AND coalesce((SELECT n FROM busy WHERE busy.host = lower(b.host)), 0) < b.max_connections
         ORDER BY u.next_attempt_at, u.id
         LIMIT 1
         FOR UPDATE OF u SKIP LOCKED`,
      );
      const user = rows[0];
      if (!user) return null;
      await tx.query(
        `UPDATE migration_batch.users SET state = 'running', lease_owner = $2, lease_until = ${nowPlusMs('$3')},
           started_at = coalesce(started_at, now())
         WHERE id = $1`,
        [user.id, owner, leaseMs],
      );
      return user;
    });
  }

  /**
   * Milliseconds until the next user can be claimed by time alone (a retry's next attempt, a lease
   * running out), by the database's clock; null when no user waits for a time. Zero or less: one is
   * due already (its host had no connection to spare).
   */
  async msUntilDue(): Promise<number | null> {
    const { rows } = await this.db.query<{ ms: number | null }>(
      `SELECT ceil(extract(epoch FROM least(
           (SELECT min(u.next_attempt_at) FROM migration_batch.users u JOIN migration_batch.batches b ON b.id = u.batch_id
            WHERE u.state = 'queued' AND b.state IN ('running', 'completing')),
           (SELECT min(u.lease_until) FROM migration_batch.users u WHERE u.state = 'running')
         ) - now()) * 1000)::float8 AS ms`,
    );
    const ms = rows[0]?.ms;
    return ms === null || ms === undefined ? null : Number(ms);
  }

  /**
   * Extends the lease, and says whether the worker should go on: not when the batch is being
   * stopped or the lease was taken over (it ran out while this worker was stalled).
   */
  async renew(userId: string, owner: string, leaseMs: number): Promise<boolean> {
    const { rows } = await this.db.query<{ state: string }>(
      `UPDATE migration_batch.users u SET lease_until = ${nowPlusMs('$3')}
       FROM migration_batch.batches b
       WHERE u.id = $1 AND u.lease_owner = $2 AND u.state = 'running' AND b.id = u.batch_id
       RETURNING b.state`,
      [userId, owner, leaseMs],
    );
    return rows.length > 0 && (rows[0].state === 'running' || rows[0].state === 'completing');
  }

  /** The job ended: the user's new state, and the error if any. Only the lease holder may finish. */
  async finish(userId: string, owner: string, outcome: { state: BatchUserState; error?: string; retryInMs?: number; countAttempt?: boolean }): Promise<void> {
    await this.db.query(
      `UPDATE migration_batch.users SET state = $3, lease_owner = NULL, lease_until = NULL,
         attempts = attempts + CASE WHEN $6 THEN 1 ELSE 0 END,
         next_attempt_at = ${nowPlusMs('$5')},
         last_error = coalesce($4, last_error), last_error_at = CASE WHEN $4::text IS NULL THEN last_error_at ELSE now() END,
         finished_at = CASE WHEN $3 IN ('synced', 'completed', 'failed') THEN now() ELSE finished_at END
       WHERE id = $1 AND lease_owner = $2`,
      [userId, owner, outcome.state, outcome.error ?? null, outcome.retryInMs ?? 0, outcome.countAttempt ?? false],
    );
  }

  /**
   * Batches whose users are all settled move on: running → synced, completing → completed,
   * stopping → stopped. Called after every job and by the workers' idle sweep.
   */
  async settleBatches(): Promise<Array<{ name: string; state: BatchState }>> {
    // a worker that died while its batch was being stopped leaves a lease nobody will claim
    await this.db.query(
      `UPDATE migration_batch.users u SET state = 'stopped', lease_owner = NULL, lease_until = NULL
       FROM migration_batch.batches b
       WHERE b.id = u.batch_id AND b.state IN ('stopping', 'stopped') AND u.state = 'running' AND u.lease_until <= now()`,
    );
    const { rows } = await this.db.query<{ name: string; state: BatchState }>(
      `UPDATE migration_batch.batches b SET
         state = CASE b.state WHEN 'running' THEN 'synced' WHEN 'completing' THEN 'completed' ELSE 'stopped' END,
         completed_at = CASE WHEN b.state = 'completing' THEN now() ELSE b.completed_at END
       WHERE b.state IN ('running', 'completing', 'stopping')
         AND NOT EXISTS (SELECT 1 FROM migration_batch.users u WHERE u.batch_id = b.id AND u.state IN ('queued', 'running'))
       RETURNING b.name, b.state`,
    );
    return rows;
  }

  async loadFolder(userId: string, remotePath: string): Promise<FolderProgress | null> {
    const { rows } = await this.db.query<FolderRow>(`SELECT ${FOLDER_COLUMNS} FROM migration_batch.folders WHERE user_id = $1 AND remote_path = $2`, [userId, remotePath]);
    return rows[0] ? folderFromRow(rows[0]) : null;
  }

  async saveFolder(userId: string, p: FolderProgress): Promise<void> {
    await this.db.query(
      `INSERT INTO migration_batch.folders (user_id, remote_path, local_name, uid_validity, last_uid, messages_total, messages_done, bytes_done, errors, last_error, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now())
       ON CONFLICT (user_id, remote_path) DO UPDATE SET local_name = $3, uid_validity = $4, last_uid = $5, messages_total = $6, messages_done = $7,
         bytes_done = $8, errors = $9, last_error = $10, updated_at = now()`,
      [userId, p.remotePath, p.localName, p.uidValidity, p.lastUid, p.total, p.done, p.bytes, p.errors, p.lastError],
    );
  }

  /** users per batch and state, for the metrics gauge */
  async userStates(): Promise<Array<{ batch: string; state: string; n: number }>> {
    const { rows } = await this.db.query<{ batch: string; state: string; n: string }>(
      `SELECT b.name AS batch, u.state, count(*) AS n FROM migration_batch.users u JOIN migration_batch.batches b ON b.id = u.batch_id
       WHERE b.state <> 'completed' GROUP BY b.name, u.state`,
    );
    return rows.map((r) => ({ batch: r.batch, state: r.state, n: Number(r.n) }));
  }
}

interface FolderRow {
  remote_path: string;
  local_name: string;
  uid_validity: string;
  last_uid: string;
  messages_total: number;
  messages_done: number;
  bytes_done: string;
  errors: number;
  last_error: string | null;
}

const FOLDER_COLUMNS = 'remote_path, local_name, uid_validity, last_uid, messages_total, messages_done, bytes_done, errors, last_error';

function folderFromRow(r: FolderRow): FolderProgress {
  return {
    remotePath: r.remote_path,
    localName: r.local_name,
    uidValidity: Number(r.uid_validity),
    lastUid: Number(r.last_uid),
    total: r.messages_total,
    done: r.messages_done,
    bytes: Number(r.bytes_done),
    errors: r.errors,
    lastError: r.last_error,
  };
}
