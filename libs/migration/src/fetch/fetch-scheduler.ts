import { randomUUID } from 'node:crypto';
import type { Logger } from '@mail/telemetry';
import type { FetchAccountRepository } from './fetch-account.repository.js';
import type { FetchRunner } from './fetch-runner.js';

export interface FetchSchedulerSettings {
  concurrency: number;
  pollMs: number;
  leaseMs: number;
}

/**
 * Runs due external accounts, at most `concurrency` at a time in this replica. Replicas share the
 * accounts through the table: a claim is a lease taken with SKIP LOCKED, so no account runs twice
 * at once, and one whose replica died becomes due again when its lease ends.
 */
export class FetchScheduler {
  readonly owner = `fetch-${randomUUID().slice(0, 8)}`;
  private readonly running = new Set<Promise<unknown>>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private stopped = false;

  constructor(
    private readonly repo: FetchAccountRepository,
    private readonly runner: FetchRunner,
    private readonly settings: FetchSchedulerSettings,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.poke(), this.settings.pollMs);
    this.timer.unref();
    this.poke();
  }

  /** Looks for due accounts now (an account was just added or enabled). */
  poke(): void {
    if (this.stopped || this.polling) return;
    this.polling = true;
    this.poll()
      .catch((err) => this.logger.warn({ err: String((err as Error)?.message ?? err) }, 'looking for due external accounts failed'))
      .finally(() => (this.polling = false));
  }

  get isStopping(): boolean {
    return this.stopped;
  }

  /** Tracks a run started outside the poll (`mailctl fetch run`), so shutdown waits for it too. */
  track<T>(run: Promise<T>): Promise<T> {
    this.running.add(run);
    void run.finally(() => this.running.delete(run)).catch(() => undefined);
    return run;
  }

  private async poll(): Promise<void> {
    const free = this.settings.concurrency - this.running.size;
    if (free <= 0) return;
    const accounts = await this.repo.claimDue(this.owner, free, this.settings.leaseMs);
    for (const account of accounts) {
      const run = this.runner.run(account, this.owner, () => this.stopped).catch((err) => this.logger.error({ err: String((err as Error)?.stack ?? err), account: account.id }, 'external account run crashed'));
      // a run that ends makes room: look again at once rather than at the next tick
      void this.track(run).finally(() => this.poke());
    }
  }

  /** Stops taking accounts; runs in flight end after their current message. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled([...this.running]);
  }
}
