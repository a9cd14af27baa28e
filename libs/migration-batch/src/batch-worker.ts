import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { BlobStore } from '@mail/blob';
import type { Bus } from '@mail/bus';
import { ContractError, GetAccount } from '@mail/contracts';
import type { SecretBox } from '@mail/secrets';
import type { Logger } from '@mail/telemetry';
import { ImapflowRemote, type ImapSessionOpener } from './adapters/imapflow-remote.js';
import { StoreSink } from './adapters/store-sink.js';
import type { BatchRepository, ClaimedUser } from './batch.repository.js';
import { AccountRefusedError, copyMailbox } from './copy/copy-mailbox.js';
import { ProgressStore, type FolderProgress } from './copy/folder-progress.js';
import { RemoteAuthError, type RemoteMailbox } from './copy/remote-mailbox.port.js';
import { MessagePacer } from './message-pacer.js';
import { migrationMetrics } from './migration-metrics.js';

export interface BatchWorkerConfig {
  /** user jobs this replica runs at once (each one IMAP connection to a source host) */
  concurrency: number;
  leaseMs: number;
  /** how often an idle slot looks for work (with `singleReplica`: only when the database cannot say when) */
  pollMs: number;
  /**
   * Every batch change reaches this process (the embedded mode: one replica, the in-process bus).
   * An idle worker then waits for a poke or for the next user to come due (a retry, a lease that
   * runs out) instead of claiming every `pollMs`: an idle embedded process made ~10 statements a
   * second of claims through PGlite's one thread for nothing. A slow safety poll remains.
   */
  singleReplica?: boolean;
  /** failed attempts (connection dropped, source or store unavailable) before a user is failed */
  maxAttempts: number;
  /** the wait before the first retry; doubled each attempt, at most 5 minutes */
  retryBaseMs: number;
  /** messages per chunk: fetched, appended and checkpointed together */
  chunkMessages: number;
}


/** the single replica's safety poll: a poke or a due time wakes it sooner */
export const SINGLE_REPLICA_POLL_MS = 60_000;

/**
 * Runs the users of running batches, `concurrency` at a time per replica. Each user is leased
 * from PostgreSQL (one row, FOR UPDATE SKIP LOCKED, ADR 0030) so replicas share the work and a
 * dead replica's users are picked up when their lease runs out; the lease is renewed after every
 * chunk and on a timer, and that renewal is also how a worker learns its batch was stopped. One
 * user's failure is recorded on that user and never stops the batch.
 */
export class BatchWorker {
  private readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private jobs = 0;
  private readonly controllers = new Set<AbortController>();
  private stopped = true;
  private readonly waiters = new Set<() => void>();
  /** pokes so far: a poke that lands between a slot's empty claim and its wait must still wake it */
  private pokes = 0;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly repo: BatchRepository,
    private readonly bus: Bus,
    private readonly blobs: BlobStore,
    private readonly secrets: SecretBox | undefined,
    private readonly config: BatchWorkerConfig,
    private readonly logger: Logger,
    private readonly openSession: ImapSessionOpener,
  ) {}

  start(): void {
    const secrets = this.secrets;
    if (!this.stopped || !secrets) {
      if (!secrets) this.logger.warn('migration batch workers not started: SECRETS_KEY is not set');
      return;
    }
    this.stopped = false;
    this.loops = Array.from({ length: this.config.concurrency }, (_, slot) => this.loop(slot, secrets));
  }

  /** a batch was started or resumed: look for work now rather than at the next poll */
  poke(): void {
    this.pokes++;
    for (const wake of [...this.waiters]) wake();
  }

  /** stop taking users; running ones stop after their chunk and are left queued for another replica */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const c of this.controllers) c.abort();
    this.poke();
    await Promise.all(this.loops);
  }

  /** `secrets` opens the users' sealed passwords: workers run only with SECRETS_KEY */
  private async loop(slot: number, secrets: SecretBox): Promise<void> {
    while (!this.stopped) {
      let user: ClaimedUser | null = null;
      // each job leases under a name of its own: a slot whose lease ran out while it was stalled
      // must lose it even when another slot of this replica takes the user over, or both copy it
      const owner = `${this.owner}:${slot}:${++this.jobs}`;
      const pokes = this.pokes;
      try {
        user = await this.repo.claim(owner, this.config.leaseMs);
      } catch (err) {
        this.logger.warn({ err }, 'migration: could not claim work');
      }
      if (!user) {
        await this.idle(slot === 0, pokes);
        continue;
      }
      await this.run(user, owner, secrets);
      await this.repo.settleBatches().catch((err: unknown) => this.logger.warn({ err }, 'migration: settling batches failed'));
      // the job may have freed a connection to its host or scheduled a retry: idle slots look again
      if (this.config.singleReplica) this.poke();
    }
  }

  /**
   * Waits for a poke or the next poll; one slot per replica settles the batches meanwhile. Several
   * replicas: every slot claims once per `pollMs` (another replica may have started a batch). A
   * single replica: the settling slot sleeps until the database's next due time (at most
   * SINGLE_REPLICA_POLL_MS) and wakes the others then; the other slots wait for a poke.
   */
  private async idle(settle: boolean, pokesBefore: number): Promise<void> {
    if (settle) await this.repo.settleBatches().catch(() => undefined);
    let waitMs: number | undefined = this.config.pollMs;
    if (this.config.singleReplica) waitMs = settle ? await this.untilDue() : undefined;
    if (this.pokes !== pokesBefore || this.stopped) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        if (timer) clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer =
        waitMs === undefined
          ? undefined
          : setTimeout(() => {
              // a due user may be for any slot: the settling one wakes them all
              if (this.config.singleReplica) this.poke();
              done();
            }, waitMs);
      this.waiters.add(done);
    });
  }

  /** ms until a user comes due; a due user nobody could claim (its host is busy) waits for the job that frees it */
  private async untilDue(): Promise<number> {
    const ms = await this.repo.msUntilDue().catch(() => this.config.pollMs);
    return ms === null || ms <= 0 ? SINGLE_REPLICA_POLL_MS : Math.min(ms, SINGLE_REPLICA_POLL_MS);
  }

  private async run(user: ClaimedUser, owner: string, secrets: SecretBox): Promise<void> {
    const controller = new AbortController();
    this.controllers.add(controller);
    const log = this.logger.child({ batch: user.batch_name, user: user.email_address });
    let keepGoing = true;
    const renew = async () => {
      keepGoing = await this.repo.renew(user.id, owner, this.config.leaseMs).catch(() => keepGoing);
      if (!keepGoing) controller.abort();
    };
    const heartbeat = setInterval(() => void renew(), Math.max(1000, Math.floor(this.config.leaseMs / 3)));
    let remote: RemoteMailbox | null = null;
    try {
      const account = await this.bus.request(GetAccount, { address: user.email_address }).catch((err: unknown) => {
        if (err instanceof ContractError && err.code === 'NOT_FOUND') throw new AccountRefusedError(`${user.email_address} has no account on this platform: create it first`);
        throw err;
      });
      const password = secrets.open(user.password_sealed);
      remote = await ImapflowRemote.open(this.openSession, { host: user.host, port: user.port, tls: user.tls, insecure: user.insecure }, { username: user.user_name, password });
      const pacer = new MessagePacer(Math.max(0.1, user.messages_per_second / user.max_connections));
      const progress = new LeasedProgress(this.repo, user.id, renew);
      const result = await copyMailbox(remote, new StoreSink(this.bus, this.blobs, account.id), progress, {
        signal: controller.signal,
        idempotencyScope: user.id,
        chunkMessages: this.config.chunkMessages,
        throttle: async (n) => {
          await pacer.take(n, controller.signal);
        },
        onChunk: (d) => {
          migrationMetrics.copied(user.batch_name, d.messages, d.bytes);
          migrationMetrics.error(user.batch_name, 'message', d.errors);
        },
      });
      if (result.stopped) {
        // stopped by the batch, or by this replica shutting down: in that case another replica takes it over
        await this.repo.finish(user.id, owner, { state: this.stopped && keepGoing ? 'queued' : 'stopped' });
        migrationMetrics.jobEnded(user.batch_name, 'stopped');
        log.info({ messages: result.messages }, 'migration of a user stopped');
      } else {
        const state = user.pass >= 2 ? 'completed' : 'synced';
        await this.repo.finish(user.id, owner, { state });
        migrationMetrics.jobEnded(user.batch_name, state);
        log.info({ messages: result.messages, bytes: result.bytes, errors: result.errors, skipped: result.plan.skipped.length }, 'migration pass of a user done');
      }
    } catch (err) {
      await this.failed(user, owner, err, log);
    } finally {
      clearInterval(heartbeat);
      this.controllers.delete(controller);
      await remote?.close().catch(() => undefined);
    }
  }

  private async failed(user: ClaimedUser, owner: string, err: unknown, log: Logger): Promise<void> {
    const permanent = err instanceof RemoteAuthError || err instanceof AccountRefusedError;
    const message = describe(err);
    const attempts = user.attempts + 1;
    if (permanent || attempts >= this.config.maxAttempts) {
      await this.repo.finish(user.id, owner, { state: 'failed', error: message, countAttempt: true }).catch(() => undefined);
      migrationMetrics.error(user.batch_name, 'user');
      migrationMetrics.jobEnded(user.batch_name, 'failed');
      log.warn({ err: message, attempts }, 'migration of a user failed');
      return;
    }
    const retryInMs = Math.min(5 * 60_000, this.config.retryBaseMs * 2 ** (attempts - 1));
    await this.repo.finish(user.id, owner, { state: 'queued', error: message, retryInMs, countAttempt: true }).catch(() => undefined);
    migrationMetrics.error(user.batch_name, 'retry');
    migrationMetrics.jobEnded(user.batch_name, 'retry');
    log.info({ err: message, attempts, retryInMs }, 'migration of a user will be retried');
  }
}

/** Progress saved in the batch's tables; each save also renews the user's lease. */
class LeasedProgress extends ProgressStore {
  constructor(
    private readonly repo: BatchRepository,
    private readonly userId: string,
    private readonly renew: () => Promise<void>,
  ) {
    super();
  }

  load(remotePath: string): Promise<FolderProgress | null> {
    return this.repo.loadFolder(this.userId, remotePath);
  }

  async save(progress: FolderProgress): Promise<void> {
    await this.repo.saveFolder(this.userId, progress);
    await this.renew();
  }
}

/** an error as the administrator reads it in status: no stack, no password (none is ever in these messages) */
function describe(err: unknown): string {
  const e = err as { message?: string; code?: string; responseText?: string };
  const text = e?.responseText ? `${e.message}: ${e.responseText}` : (e?.message ?? String(err));
  return (e?.code && !text.includes(e.code) ? `${text} (${e.code})` : text).slice(0, 500);
}
