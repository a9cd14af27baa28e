import type { FetchError } from '@mail/contracts';
import type { Logger } from '@mail/telemetry';
import type { CredentialSealer } from '../credentials.js';
import type { FetchedMessageDelivery } from '../delivery/fetched-message-delivery.js';
import type { RemoteSessionSettings } from '../remote/imap-remote.js';
import { remoteEndpoint } from '../remote/remote-endpoint.js';
import { RemoteError, classifyRemoteError } from '../remote/remote-error.js';
import type { FetchAccountRecord } from './fetch-account.records.js';
import type { FetchAccountRepository, RunOutcome } from './fetch-account.repository.js';
import { fetchMetrics } from './fetch-metrics.js';
import type { FetchRunContext, FetchRunResult } from './fetch-run.js';
import { runImapFetch } from './imap-fetch.js';
import { runPop3Fetch } from './pop3-fetch.js';

export interface FetchRunnerSettings {
  remote: RemoteSessionSettings;
  leaseMs: number;
  maxAuthFailures: number;
  maxMessagesPerRun: number;
}

/** The most a failing account waits between two tries, whatever its interval. */
const MAX_BACKOFF_MS = 6 * 3600_000;

/** After `failuresBefore` failed runs in a row: the interval, doubled per failure, capped at six hours (or the interval, if longer). */
export function backoffMs(intervalSeconds: number, failuresBefore: number): number {
  const interval = intervalSeconds * 1000;
  return Math.min(interval * 2 ** Math.min(failuresBefore, 20), Math.max(interval, MAX_BACKOFF_MS));
}

/**
 * Runs one claimed account: opens its password, runs the protocol, and records how it ended
 * (schedule, error with time and kind, backoff, disabling after repeated authentication
 * failures). Keeps the claim alive while the run lasts; a run whose claim was lost stops.
 */
export class FetchRunner {
  constructor(
    private readonly repo: FetchAccountRepository,
    private readonly sealer: CredentialSealer,
    private readonly delivery: FetchedMessageDelivery,
    private readonly settings: FetchRunnerSettings,
    private readonly logger: Logger,
  ) {}

  async run(account: FetchAccountRecord, owner: string, stopping: () => boolean): Promise<{ result: FetchRunResult; error: FetchError | null }> {
    const started = performance.now();
    const result: FetchRunResult = { fetched: 0, deleted: 0, more: false };
    let lost = false;
    const renew = setInterval(
      () => {
        this.repo.renewLease(account.id, owner, this.settings.leaseMs).then(
          (held) => (lost ||= !held),
          () => undefined,
        );
      },
      Math.max(1000, this.settings.leaseMs / 3),
    );
    renew.unref();
    let outcome: RunOutcome;
    try {
      const ctx: FetchRunContext = {
        account,
        endpoint: remoteEndpoint({ protocol: account.protocol, host: account.host, port: account.port, tls: account.tls, insecure: account.insecure }),
        password: this.openPassword(account),
        repo: this.repo,
        delivery: this.delivery,
        settings: this.settings.remote,
        maxMessages: this.settings.maxMessagesPerRun,
        stopping: () => lost || stopping(),
        onDelivered: (size) => {
          result.fetched++;
          fetchMetrics.message(account.protocol, size);
        },
      };
      const r = account.protocol === 'imap' ? await runImapFetch(ctx) : await runPop3Fetch(ctx);
      Object.assign(result, r);
      outcome = { ok: true, fetched: r.fetched, more: r.more };
    } catch (err) {
      const failure = classifyRemoteError(err);
      const authFailures = failure.kind === 'auth' ? account.authFailures + 1 : 0;
      const disable =
        authFailures >= this.settings.maxAuthFailures ? `disabled after ${authFailures} authentication failures in a row (last: ${failure.message.slice(0, 300)})` : undefined;
      outcome = { ok: false, fetched: result.fetched, kind: failure.kind, message: failure.message, retryInMs: backoffMs(account.intervalSeconds, account.consecutiveFailures), disable };
      this.logger.warn({ account: account.id, user: account.user, host: account.host, kind: failure.kind, err: failure.message, disabled: !!disable }, 'external account run failed');
    } finally {
      clearInterval(renew);
    }
    await this.repo.finish(account.id, owner, account.intervalSeconds, outcome);
    fetchMetrics.run(account.protocol, outcome.ok ? 'ok' : 'error', (performance.now() - started) / 1000);
    if (!outcome.ok) fetchMetrics.error(account.protocol, outcome.kind);
    return { result, error: outcome.ok ? null : { at: new Date().toISOString(), kind: outcome.kind, message: outcome.message } };
  }

  private openPassword(account: FetchAccountRecord): string {
    try {
      return this.sealer.open(account.sealedPassword);
    } catch (err) {
      throw new RemoteError('internal', `the stored password cannot be opened: ${(err as Error).message}`);
    }
  }
}
