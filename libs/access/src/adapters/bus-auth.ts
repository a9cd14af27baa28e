import { Injectable } from '@nestjs/common';
import { Bus, CachedRequester } from '@mail/bus';
import { DirectoryChanged, GetAccount, VERIFY_LOGIN_TIMEOUT_MS, VerifyLogin, type AccountQuota } from '@mail/contracts';
import { AuthPort, type LoginAttempt, type LoginResult } from '../ports/auth.port.js';

/** how long an account's limits are reused when a directory event is lost */
const QUOTA_TTL_MS = 60_000;

/** AuthPort over the bus (the auth service verifies, throttles and locks out). */
@Injectable()
export class BusAuth extends AuthPort {
  private readonly accounts: CachedRequester<typeof GetAccount>;
  private started?: Promise<void>;

  constructor(private readonly bus: Bus) {
    super();
    this.accounts = new CachedRequester(bus, GetAccount, { ttlMs: QUOTA_TTL_MS, maxEntries: 20_000, invalidatedBy: DirectoryChanged });
  }

  verifyLogin(attempt: LoginAttempt): Promise<LoginResult> {
    // the directory may hold a guesser's attempt for its penalty (up to 16 s) before it answers
    return this.bus.request(VerifyLogin, attempt, { timeoutMs: VERIFY_LOGIN_TIMEOUT_MS });
  }

  async accountQuota(address: string): Promise<AccountQuota | null> {
    // subscribed on first use: a replica nobody appends to never listens for directory changes
    this.started ??= this.accounts.start();
    await this.started;
    const account = await this.accounts.request({ address });
    if (account.quotaBytes == null && account.quotaMessages == null) return null;
    return { bytes: account.quotaBytes, messages: account.quotaMessages };
  }

  async stop(): Promise<void> {
    await this.accounts.stop();
  }
}
