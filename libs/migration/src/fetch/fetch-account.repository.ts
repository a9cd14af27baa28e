import { randomUUID } from 'node:crypto';
import { jsonForColumn, nowPlusMs, textForColumn, type Database, type Queryable } from '@mail/db';
import type { FetchErrorKind } from '@mail/contracts';
import type { FetchAccountRecord } from './fetch-account.records.js';

interface AccountRow {
  id: string;
  user_address: string;
  protocol: FetchAccountRecord['protocol'];
  host: string;
  port: number;
  tls: FetchAccountRecord['tls'];
  insecure: boolean;
  username: string;
  sealed_password: string;
  folders: unknown;
  interval_seconds: number;
  leave_on_server: boolean;
  enabled: boolean;
  disabled_reason: string | null;
  created_at: Date | string;
  next_run_at: Date | string | null;
  last_run_at: Date | string | null;
  last_success_at: Date | string | null;
  last_error_at: Date | string | null;
  last_error_kind: FetchErrorKind | null;
  last_error: string | null;
  consecutive_failures: number;
  auth_failures: number;
  messages_fetched: number | string;
}

const date = (v: Date | string | null) => (v === null ? null : new Date(v));

function toRecord(r: AccountRow): FetchAccountRecord {
  return {
    id: r.id,
    user: r.user_address,
    protocol: r.protocol,
    host: r.host,
    port: Number(r.port),
    tls: r.tls,
    insecure: r.insecure,
    username: r.username,
    sealedPassword: r.sealed_password,
    folders: (typeof r.folders === 'string' ? JSON.parse(r.folders) : r.folders) as string[],
    intervalSeconds: Number(r.interval_seconds),
    leaveOnServer: r.leave_on_server,
    enabled: r.enabled,
    disabledReason: r.disabled_reason,
    createdAt: new Date(r.created_at),
    nextRunAt: date(r.next_run_at),
    lastRunAt: date(r.last_run_at),
    lastSuccessAt: date(r.last_success_at),
    lastError: r.last_error_at && r.last_error_kind ? { at: new Date(r.last_error_at), kind: r.last_error_kind, message: r.last_error ?? '' } : null,
    consecutiveFailures: Number(r.consecutive_failures),
    authFailures: Number(r.auth_failures),
    messagesFetched: Number(r.messages_fetched),
  };
}

const ms = (v: number) => Math.max(0, Math.round(v));

export type NewFetchAccount = Omit<
  FetchAccountRecord,
  'id' | 'enabled' | 'disabledReason' | 'createdAt' | 'nextRunAt' | 'lastRunAt' | 'lastSuccessAt' | 'lastError' | 'consecutiveFailures' | 'authFailures' | 'messagesFetched'
>;

/** How a run ended, as the schedule records it. */
export type RunOutcome =
  | { ok: true; fetched: number; more: boolean }
  | { ok: false; fetched: number; kind: FetchErrorKind; message: string; retryInMs: number; disable?: string };

/** The SQL of external accounts (schema `migration`, tables fetch_*). */
export class FetchAccountRepository {
  constructor(private readonly db: Database) {}

  async insert(a: NewFetchAccount): Promise<FetchAccountRecord> {
    const { rows } = await this.db.query<AccountRow>(
      `INSERT INTO migration.fetch_accounts (id, user_address, protocol, host, port, tls, insecure, username, sealed_password, folders, interval_seconds, leave_on_server)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12) RETURNING *`,
      [randomUUID(), a.user, a.protocol, a.host, a.port, a.tls, a.insecure, textForColumn(a.username), a.sealedPassword, jsonForColumn(a.folders), a.intervalSeconds, a.leaveOnServer],
    );
    return toRecord(rows[0]);
  }

  async get(id: string): Promise<FetchAccountRecord | undefined> {
    const { rows } = await this.db.query<AccountRow>(`SELECT * FROM migration.fetch_accounts WHERE id = $1`, [id]);
    return rows[0] && toRecord(rows[0]);
  }

  async list(user?: string): Promise<FetchAccountRecord[]> {
    const { rows } = user
      ? await this.db.query<AccountRow>(`SELECT * FROM migration.fetch_accounts WHERE user_address = $1 ORDER BY created_at, id`, [user])
      : await this.db.query<AccountRow>(`SELECT * FROM migration.fetch_accounts ORDER BY user_address, created_at, id`);
    return rows.map(toRecord);
  }

  async remove(id: string): Promise<boolean> {
    const res = await this.db.query(`DELETE FROM migration.fetch_accounts WHERE id = $1`, [id]);
    return res.rowCount > 0;
  }

  async enable(id: string, sealedPassword?: string): Promise<FetchAccountRecord | undefined> {
    const { rows } = await this.db.query<AccountRow>(
      `UPDATE migration.fetch_accounts
          SET enabled = true, disabled_reason = NULL, auth_failures = 0, consecutive_failures = 0, next_run_at = now(),
              sealed_password = COALESCE($2, sealed_password)
        WHERE id = $1 RETURNING *`,
      [id, sealedPassword ?? null],
    );
    return rows[0] && toRecord(rows[0]);
  }

  /**
   * Claims up to `limit` due accounts for `leaseMs`. SKIP LOCKED lets replicas polling together
   * pass each other's rows; an expired lease (a replica died mid-run) makes an account due again.
   */
  async claimDue(owner: string, limit: number, leaseMs: number): Promise<FetchAccountRecord[]> {
    const { rows } = await this.db.query<AccountRow>(
      `WITH due AS (
         SELECT id FROM migration.fetch_accounts
          WHERE enabled AND next_run_at <= now() AND (lease_until IS NULL OR lease_until < now())
          ORDER BY next_run_at
          LIMIT $1
          FOR UPDATE SKIP LOCKED
       )
       UPDATE migration.fetch_accounts a
          SET lease_until = ${nowPlusMs('$2')}, leased_by = $3
         FROM due WHERE a.id = due.id
       RETURNING a.*`,
      [limit, ms(leaseMs), owner],
    );
    return rows.map(toRecord);
  }

  /** Claims one account now, due or not (`mailctl fetch run`); undefined when another run holds it. */
  async claimOne(id: string, owner: string, leaseMs: number): Promise<FetchAccountRecord | undefined> {
    const { rows } = await this.db.query<AccountRow>(
      `UPDATE migration.fetch_accounts
          SET lease_until = ${nowPlusMs('$2')}, leased_by = $3
        WHERE id = $1 AND (lease_until IS NULL OR lease_until < now())
       RETURNING *`,
      [id, ms(leaseMs), owner],
    );
    return rows[0] && toRecord(rows[0]);
  }

  /** Keeps a long run's claim alive; false when it was lost (expired and taken by another replica). */
  async renewLease(id: string, owner: string, leaseMs: number): Promise<boolean> {
    const res = await this.db.query(
      `UPDATE migration.fetch_accounts SET lease_until = ${nowPlusMs('$3')} WHERE id = $1 AND leased_by = $2`,
      [id, owner, ms(leaseMs)],
    );
    return res.rowCount > 0;
  }

  /** Ends a run: the schedule moves on by the outcome, the claim is released, a failure is recorded. */
  async finish(id: string, owner: string, intervalSeconds: number, outcome: RunOutcome): Promise<void> {
    await this.db.transaction(async (tx) => {
      if (outcome.ok) {
        await tx.query(
          `UPDATE migration.fetch_accounts
              SET lease_until = NULL, leased_by = NULL, last_run_at = now(), last_success_at = now(),
                  consecutive_failures = 0, auth_failures = 0,
                  next_run_at = ${nowPlusMs('$3')}
            WHERE id = $1 AND leased_by = $2`,
          [id, owner, outcome.more ? 0 : intervalSeconds * 1000],
        );
        return;
      }
      await tx.query(
        `UPDATE migration.fetch_accounts
            SET lease_until = NULL, leased_by = NULL, last_run_at = now(),
                consecutive_failures = consecutive_failures + 1,
                auth_failures = CASE WHEN $3 = 'auth' THEN auth_failures + 1 ELSE 0 END,
                last_error_at = now(), last_error_kind = $3, last_error = $4,
                next_run_at = ${nowPlusMs('$5')},
                enabled = CASE WHEN $6::text IS NULL THEN enabled ELSE false END,
                disabled_reason = COALESCE($6, disabled_reason)
          WHERE id = $1 AND leased_by = $2`,
        [id, owner, outcome.kind, textForColumn(outcome.message.slice(0, 1000)), ms(outcome.retryInMs), outcome.disable ?? null],
      );
      await recordError(tx, id, outcome.kind, outcome.message);
    });
  }

  async recentErrors(id: string, limit = 20): Promise<Array<{ at: Date; kind: FetchErrorKind; message: string }>> {
    const { rows } = await this.db.query<{ at: Date | string; kind: FetchErrorKind; message: string }>(
      `SELECT at, kind, message FROM migration.fetch_errors WHERE account_id = $1 ORDER BY at DESC, id DESC LIMIT $2`,
      [id, limit],
    );
    return rows.map((r) => ({ at: new Date(r.at), kind: r.kind, message: r.message }));
  }

  /** Errors of a run that still succeeded overall (one message too large): listed by `show`, the schedule unchanged. */
  async noteError(id: string, kind: FetchErrorKind, message: string): Promise<void> {
    await recordError(this.db, id, kind, message);
  }

  // --- per-folder state and per-message records ---

  async folderState(id: string, folder: string): Promise<{ uidValidity: bigint | null; highestUid: number } | undefined> {
    const { rows } = await this.db.query<{ uid_validity: string | number | null; highest_uid: string | number | null }>(
      `SELECT uid_validity, highest_uid FROM migration.fetch_folders WHERE account_id = $1 AND folder = $2`,
      [id, folder],
    );
    const r = rows[0];
    return r && { uidValidity: r.uid_validity === null ? null : BigInt(r.uid_validity), highestUid: Number(r.highest_uid ?? 0) };
  }

  async saveFolderState(id: string, folder: string, uidValidity: bigint | null, highestUid: number): Promise<void> {
    await this.db.query(
      `INSERT INTO migration.fetch_folders (account_id, folder, uid_validity, highest_uid) VALUES ($1, $2, $3, $4)
       ON CONFLICT (account_id, folder) DO UPDATE SET uid_validity = EXCLUDED.uid_validity, highest_uid = EXCLUDED.highest_uid`,
      [id, textForColumn(folder), uidValidity === null ? null : uidValidity.toString(), highestUid],
    );
  }

  async folders(id: string): Promise<Array<{ folder: string; uidValidity: string | null; highestUid: number | null; delivered: number }>> {
    const { rows } = await this.db.query<{ folder: string; uid_validity: string | null; highest_uid: string | null; delivered: string | number }>(
      `SELECT f.folder, f.uid_validity::text AS uid_validity, f.highest_uid::text AS highest_uid,
              (SELECT count(*) FROM migration.fetch_messages m WHERE m.account_id = f.account_id AND m.folder = f.folder AND m.state = 'delivered') AS delivered
         FROM migration.fetch_folders f WHERE f.account_id = $1 ORDER BY f.folder`,
      [id],
    );
    return rows.map((r) => ({ folder: r.folder, uidValidity: r.uid_validity, highestUid: r.highest_uid === null ? null : Number(r.highest_uid), delivered: Number(r.delivered) }));
  }

  /** Remote ids already settled (delivered, or skipped as too large), among `remoteIds` (all of the folder's when omitted). */
  async settledIds(id: string, folder: string, remoteIds?: string[]): Promise<Map<string, 'delivered' | 'skipped'>> {
    const { rows } = remoteIds
      ? await this.db.query<{ remote_id: string; state: 'delivered' | 'skipped' }>(
          `SELECT remote_id, state FROM migration.fetch_messages WHERE account_id = $1 AND folder = $2 AND state <> 'pending' AND remote_id = ANY($3::text[])`,
          [id, folder, remoteIds],
        )
      : await this.db.query<{ remote_id: string; state: 'delivered' | 'skipped' }>(
          `SELECT remote_id, state FROM migration.fetch_messages WHERE account_id = $1 AND folder = $2 AND state <> 'pending'`,
          [id, folder],
        );
    return new Map(rows.map((r) => [r.remote_id, r.state]));
  }

  /** A message too large to take: recorded so no run tries it again, and never deleted remotely. */
  async skipMessage(id: string, folder: string, remoteId: string, reason: string): Promise<void> {
    await this.db.query(
      `INSERT INTO migration.fetch_messages (account_id, folder, remote_id, queue_id, state) VALUES ($1, $2, $3, $4, 'skipped')
       ON CONFLICT (account_id, folder, remote_id) DO UPDATE SET state = 'skipped' WHERE migration.fetch_messages.state = 'pending'`,
      [id, textForColumn(folder), textForColumn(remoteId), randomUUID()],
    );
    await recordError(this.db, id, 'delivery', reason);
  }

  /** Message-IDs delivered from a folder (to recognise messages again after the remote reset its UIDVALIDITY). */
  async deliveredMessageIds(id: string, folder: string): Promise<Set<string>> {
    const { rows } = await this.db.query<{ message_id: string }>(
      `SELECT message_id FROM migration.fetch_messages WHERE account_id = $1 AND folder = $2 AND state = 'delivered' AND message_id IS NOT NULL`,
      [id, folder],
    );
    return new Set(rows.map((r) => r.message_id));
  }

  /**
   * Records a remote message before its delivery is attempted and answers the queue id it is
   * delivered under: a new one the first time, the recorded one on every later attempt, so a
   * delivery whose outcome was lost is recognised by the queue (EnqueueMessage.queueId).
   */
  async beginMessage(id: string, folder: string, remoteId: string, messageId: string | undefined): Promise<{ queueId: string; delivered: boolean }> {
    const { rows } = await this.db.query<{ queue_id: string; state: string }>(
      `WITH ins AS (
         INSERT INTO migration.fetch_messages (account_id, folder, remote_id, queue_id, message_id)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (account_id, folder, remote_id) DO NOTHING
         RETURNING queue_id, state
       )
       SELECT queue_id, state FROM ins
       UNION ALL
       SELECT queue_id, state FROM migration.fetch_messages WHERE account_id = $1 AND folder = $2 AND remote_id = $3 AND NOT EXISTS (SELECT 1 FROM ins)`,
      [id, textForColumn(folder), textForColumn(remoteId), randomUUID(), messageId ? textForColumn(messageId.slice(0, 998)) : null],
    );
    const [row] = rows; // the insert or, when it conflicted, the row already there: one either way
    return { queueId: row.queue_id, delivered: row.state === 'delivered' };
  }

  async messageDelivered(id: string, folder: string, remoteId: string, messageId?: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const res = await tx.query(
        `UPDATE migration.fetch_messages SET state = 'delivered', delivered_at = now(), message_id = COALESCE(message_id, $4)
          WHERE account_id = $1 AND folder = $2 AND remote_id = $3 AND state = 'pending'`,
        [id, folder, remoteId, messageId ? textForColumn(messageId.slice(0, 998)) : null],
      );
      if (res.rowCount) await tx.query(`UPDATE migration.fetch_accounts SET messages_fetched = messages_fetched + 1 WHERE id = $1`, [id]);
    });
  }

  /** POP3: records of messages no longer in the maildrop are dropped (they were deleted remotely). */
  async forgetMissing(id: string, folder: string, present: string[]): Promise<void> {
    await this.db.query(`DELETE FROM migration.fetch_messages WHERE account_id = $1 AND folder = $2 AND NOT (remote_id = ANY($3::text[]))`, [id, folder, present]);
  }
}

async function recordError(q: Queryable, id: string, kind: FetchErrorKind, message: string): Promise<void> {
  await q.query(`INSERT INTO migration.fetch_errors (account_id, kind, message) VALUES ($1, $2, $3)`, [id, kind, textForColumn(message.slice(0, 1000))]);
  // only the recent ones are kept: a server failing every five minutes for a month is 20 rows, not 9,000
  await q.query(
    `DELETE FROM migration.fetch_errors WHERE account_id = $1 AND id NOT IN (SELECT id FROM migration.fetch_errors WHERE account_id = $1 ORDER BY at DESC, id DESC LIMIT 20)`,
    [id],
  );
}
