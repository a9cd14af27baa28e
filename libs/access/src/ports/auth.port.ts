import type { ResponseOf, VerifyLogin } from '@mail/contracts';

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
}
