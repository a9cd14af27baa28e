import type { Logger } from '@mail/telemetry';
import { setTimeout as sleep } from 'node:timers/promises';
import { clientKey, ConcurrencyGate, GateFullError, LogThrottle } from '@mail/limits';
import { normalizeAddress, parseAddress } from './address.js';
import type { LoginSettings } from './auth.config.js';
import { countLogin, observeHashGate, type LoginOutcome } from './auth-metrics.js';
import type { DirectoryRepository } from './directory.repository.js';
import { loginNameTag } from './login-name-tag.js';
import type { LoginThrottleStore } from './login-throttle.store.js';
import type { PasswordHasher } from './password-hasher.js';

export type LoginResult = { ok: true; accountId: string; address: string } | { ok: false; reason: 'invalid' | 'locked' | 'disabled' | 'throttled' | 'busy' };

export interface LoginAttempt {
  username: string;
  password: string;
  protocol: string;
  remoteAddress?: string;
}

export interface LoginDeps {
  now?: () => Date;
  delay?: (ms: number) => Promise<unknown>;
  logger?: Pick<Logger, 'info' | 'warn'>;
}

const SWEEP_EVERY_MS = 60_000;

/**
 * Password checks with throttling that cannot be raced or dodged (ADR 0010). Every attempt is
 * counted BEFORE the hash, atomically in the shared store, under three keys: the (name, client)
 * pair (the lockout), the name from anywhere, and the client (IPv4 address or IPv6 /64). A
 * counter past its limit refuses without hashing; the client's failures add a growing wait before
 * the hash (Dovecot's auth penalty). A success takes its attempt back. Unknown names go through the
 * same steps as known ones (a dummy hash), so neither timing nor the answer tells which exist.
 * Hashes run through a bounded gate: past its queue the answer is a temporary failure at once.
 */
export class LoginService {
  private readonly now: () => Date;
  private readonly delay: (ms: number) => Promise<unknown>;
  private readonly hashes: ConcurrencyGate;
  private readonly refusalLog = new LogThrottle();
  private lastSweep = 0;

  constructor(
    private readonly repo: DirectoryRepository,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottleStore,
    private readonly settings: LoginSettings,
    private readonly deps: LoginDeps = {},
  ) {
    this.now = deps.now ?? (() => new Date());
    this.delay = deps.delay ?? ((ms) => sleep(ms));
    this.hashes = new ConcurrencyGate({ concurrency: settings.hashConcurrency, queue: settings.hashQueue, perKey: settings.hashesPerClient, name: 'password hashes' });
    observeHashGate(this.hashes);
  }

  /** computes the dummy hash up front so the first unknown user isn't slower than the rest */
  async warmUp(): Promise<void> {
    await this.hasher.dummyHash();
  }

  async verify(attempt: LoginAttempt): Promise<LoginResult> {
    const s = this.settings;
    const login = normalizeAddress(attempt.username);
    const client = clientKey(attempt.remoteAddress);
    const now = this.now();
    const keys = { pair: `pair:${client} ${login}`, account: `account:${login}`, client: `client:${client}`, clientFailures: `client-failures:${client}` };
    const context = { ...loginNameTag(login), client, protocol: attempt.protocol };

    // an exempt client (a webmail or proxy on a trusted network logs in for everyone) is not counted as one client
    const perClient = !s.exempt?.has(attempt.remoteAddress);
    const counts = await this.throttle.step(
      [
        { key: keys.pair, by: 1 },
        { key: keys.account, by: 1 },
        ...(perClient ? [{ key: keys.client, by: 1 }, { key: keys.clientFailures, by: 0 }] : []),
      ],
      s.windowMs,
      now,
    );
    this.sweepNowAndThen(now);
    const count = (key: string) => counts.get(key) ?? 0;
    if (count(keys.pair) > s.maxFailures || count(keys.account) > s.maxPerAccount) {
      // no hash while locked: the lock must stop guessing, not merely slow it down
      this.logRefusal('locked', context, count(keys.pair) > s.maxFailures ? 'name and client' : 'name');
      return this.fail('locked', attempt.protocol);
    }
    if (count(keys.client) > s.maxPerClient) {
      this.logRefusal('throttled', context, 'client');
      return this.fail('throttled', attempt.protocol);
    }
    const penalty = s.penaltyMs.length ? s.penaltyMs[Math.min(count(keys.clientFailures), s.penaltyMs.length - 1)] : 0;
    if (penalty > 0) await this.delay(penalty);

    const parsed = parseAddress(login);
    let account;
    let passwordOk: boolean;
    try {
      [account] = parsed ? await this.repo.findAccounts([parsed.address]) : [];
      const hash = account?.passwordHash ?? (await this.hasher.dummyHash());
      // an exempt client (webmail, a proxy) speaks for many users: it is not held to one client's share
      passwordOk = await this.hashes.run(() => this.hasher.verify(hash, attempt.password), perClient ? client : undefined);
    } catch (err) {
      if (err instanceof GateFullError && err.full === 'key') {
        // this client holds its share of the hash queue already: its own flood, counted as a failure
        await this.throttle.step([{ key: keys.clientFailures, by: 1 }], s.windowMs, this.now());
        this.logRefusal('throttled', context, 'hashes per client');
        return this.fail('throttled', attempt.protocol);
      }
      // nothing was verified: the attempt does not count against anyone
      await this.throttle.forgive([keys.pair, keys.account, keys.client], 1, this.now());
      if (!(err instanceof GateFullError)) throw err;
      this.logRefusal('busy', context, 'hash queue full');
      countLogin('busy', attempt.protocol);
      return { ok: false, reason: 'busy' };
    }

    if (!account || !passwordOk) {
      if (perClient) await this.throttle.step([{ key: keys.clientFailures, by: 1 }], s.windowMs, this.now());
      this.deps.logger?.info(context, 'login failed');
      return this.fail('invalid', attempt.protocol);
    }
    if (account.disabled) {
      this.deps.logger?.info({ ...context, account: account.id }, 'login refused: account disabled');
      return this.fail('disabled', attempt.protocol);
    }
    const later = this.now();
    await this.throttle.forgive([keys.pair, keys.clientFailures], Infinity, later);
    await this.throttle.forgive([keys.account, keys.client], 1, later);
    countLogin('ok', attempt.protocol);
    return { ok: true, accountId: account.id, address: account.address };
  }

  private async fail(reason: 'invalid' | 'locked' | 'disabled' | 'throttled', protocol: string): Promise<LoginResult> {
    countLogin(reason, protocol);
    if (this.settings.delayMs > 0) await this.delay(this.settings.delayMs);
    return { ok: false, reason };
  }

  /** one line per kind of refusal and client every 10 s: a flood must not flood the log too */
  private logRefusal(outcome: LoginOutcome, context: { client: string }, limit: string): void {
    const held = this.refusalLog.take(`${outcome} ${context.client}`);
    if (held !== undefined) this.deps.logger?.warn({ ...context, limit, alsoRefusedSinceLastLine: held || undefined }, `login refused: ${outcome} (${limit})`);
  }

  private sweepNowAndThen(now: Date): void {
    if (now.getTime() - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now.getTime();
    this.throttle.sweep(now).catch((err: unknown) => this.deps.logger?.warn({ err: (err as Error).message }, 'login counter sweep failed'));
  }
}
