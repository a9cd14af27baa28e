import type { AccountQuota, ResponseOf, VerifyLogin } from '@mail/contracts';

export type LoginResult = ResponseOf<typeof VerifyLogin>;

export interface LoginAttempt {
  username: string;
  password: string;
  protocol: 'imap' | 'pop3';
  remoteAddress?: string;
}

/** Credential checks for the access protocols (the directory throttles and locks out). */
export abstract class AuthPort {
  abstract verifyLogin(attempt: LoginAttempt): Promise<LoginResult>;
  /**
   * The account's limits as the directory holds them (IMAP APPEND/COPY are held to them, IMAP
   * QUOTA shows them); null when the account has no limit of its own. Answered from a cache that
   * the directory's change event empties, so asking per command costs no round trip.
   */
  abstract accountQuota(address: string): Promise<AccountQuota | null>;
}
