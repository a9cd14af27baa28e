import type { Logger } from '@mail/telemetry';
import { setTimeout as sleep } from 'node:timers/promises';
import { normalizeAddress, parseAddress } from './address.js';
import type { LoginSettings } from './auth.config.js';
import { countLogin } from './auth-metrics.js';
import type { DirectoryRepository } from './directory.repository.js';
import type { PasswordHasher } from './password-hasher.js';

export type LoginResult = { ok: true; accountId: string; address: string } | { ok: false; reason: 'invalid' | 'locked' | 'disabled' };

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

/**
 * Password checks with throttling. An unknown user and a wrong password go through the same
 * steps (an argon2 verify, a failure record, the delay) so neither timing nor the answer tells an
 * attacker which names exist. Failures are counted per login name and remote address: a guesser is
 * locked out from where they guess without letting anyone lock a user out from everywhere.
 */
export class LoginService {
  private readonly now: () => Date;
  private readonly delay: (ms: number) => Promise<unknown>;

  constructor(
    private readonly repo: DirectoryRepository,
    private readonly hasher: PasswordHasher,
    private readonly settings: LoginSettings,
    private readonly deps: LoginDeps = {},
  ) {
    this.now = deps.now ?? (() => new Date());
    this.delay = deps.delay ?? ((ms) => sleep(ms));
  }

  /** computes the dummy hash up front so the first unknown user isn't slower than the rest */
  async warmUp(): Promise<void> {
    await this.hasher.dummyHash();
  }

  async verify(attempt: LoginAttempt): Promise<LoginResult> {
    const login = normalizeAddress(attempt.username);
    const remote = attempt.remoteAddress ?? '';
    const now = this.now();
    const since = new Date(now.getTime() - this.settings.windowMs);
    const context = { login, remote, protocol: attempt.protocol };

    const failures = await this.repo.countLoginFailures(login, remote, since);
    if (failures >= this.settings.maxFailures) {
      // No verify while locked: the lock must stop guessing, not merely slow it down.
      this.deps.logger?.warn({ ...context, failures }, 'login refused: too many failures');
      return this.fail('locked', attempt.protocol);
    }

    const parsed = parseAddress(login);
    const [account] = parsed ? await this.repo.findAccounts([parsed.address]) : [];
    const hash = account?.passwordHash ?? (await this.hasher.dummyHash());
    const passwordOk = await this.hasher.verify(hash, attempt.password);

    if (!account || !passwordOk) {
      await this.repo.recordLoginFailure(login, remote, now, since);
      this.deps.logger?.info(context, 'login failed');
      return this.fail('invalid', attempt.protocol);
    }
    if (account.disabled) {
      this.deps.logger?.info(context, 'login refused: account disabled');
      return this.fail('disabled', attempt.protocol);
    }
    if (failures > 0) await this.repo.clearLoginFailures(login, remote);
    countLogin('ok', attempt.protocol);
    return { ok: true, accountId: account.id, address: account.address };
  }

  private async fail(reason: 'invalid' | 'locked' | 'disabled', protocol: string): Promise<LoginResult> {
    countLogin(reason, protocol);
    if (this.settings.delayMs > 0) await this.delay(this.settings.delayMs);
    return { ok: false, reason };
  }
}
