import type { Sealer } from './dkim/dkim.service.js';

export interface AuthConfig {
  /** extra wait before answering a failed login, to slow guessing (default 1000 ms; tests set it low) */
  loginDelayMs?: number;
  lockout?: {
    /** failures per login name and remote address within the window that lock it (default 10) */
    maxFailures?: number;
    /** sliding window; the lock lifts as old failures leave it (default 15 minutes) */
    windowMs?: number;
  };
  /** argon2id cost for new hashes; the defaults suit production, tests may lower them */
  argon2?: { memoryCost: number; timeCost: number; parallelism: number };
  /** the platform's public name (HOSTNAME_FQDN): the MX and SPF host in `mailctl domain dns` */
  hostname?: string;
  /** seals DKIM private keys at rest (@mail/secrets' SecretBox) */
  secrets?: Sealer;
}

export interface LoginSettings {
  delayMs: number;
  maxFailures: number;
  windowMs: number;
}

export function loginSettings(config: AuthConfig): LoginSettings {
  return {
    delayMs: config.loginDelayMs ?? 1000,
    maxFailures: config.lockout?.maxFailures ?? 10,
    windowMs: config.lockout?.windowMs ?? 15 * 60_000,
  };
}

export const AUTH_CONFIG = Symbol('AUTH_CONFIG');
