import type { Sealer } from './dkim/dkim.service.js';
import type { NetworkList } from '@mail/limits';

export interface AuthConfig {
  /** extra wait before answering a failed login, to slow guessing (default 1000 ms; tests set it low) */
  loginDelayMs?: number;
  lockout?: {
    /** attempts per login name and client within the window that lock it (default 10) */
    maxFailures?: number;
    /** fixed window; the lock lifts when it ends (default 15 minutes) */
    windowMs?: number;
  };
  /** login throttling beyond the (name, client) lockout (ADR 0010, docs/security.md) */
  throttle?: {
    /** failed (or unfinished) attempts from one client IPv4 address or IPv6 /64 per window before it is refused without a hash (default 300) */
    maxPerClient?: number;
    /** failed attempts on one login name from anywhere per window before it is locked (default 100) */
    maxPerAccount?: number;
    /** wait before the hash by the client's failures in the window, as Dovecot's auth penalty (default 0, 2, 6, 10, 16 s) */
    penaltyMs?: number[];
    /** clients the per-client counting and penalty skip (LIMIT_EXEMPT_NETWORKS: webmail or a proxy logs in for everyone); the per-name limits still apply */
    exempt?: NetworkList;
  };
  /** password hashes at once (default 2) and waiting (default 32); past that, a temporary failure at once */
  hashConcurrency?: number;
  hashQueue?: number;
  /** places in the hash queue one client may hold, running or waiting (default 4): a flood from one client cannot fill it for everyone */
  hashesPerClient?: number;
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
  maxPerClient: number;
  maxPerAccount: number;
  penaltyMs: number[];
  exempt?: NetworkList;
  hashConcurrency: number;
  hashQueue: number;
  hashesPerClient: number;
}

export const DEFAULT_PENALTY_MS = [0, 2_000, 6_000, 10_000, 16_000];

export function loginSettings(config: AuthConfig): LoginSettings {
  return {
    delayMs: config.loginDelayMs ?? 1000,
    maxFailures: config.lockout?.maxFailures ?? 10,
    windowMs: config.lockout?.windowMs ?? 15 * 60_000,
    maxPerClient: config.throttle?.maxPerClient ?? 300,
    maxPerAccount: config.throttle?.maxPerAccount ?? 100,
    penaltyMs: config.throttle?.penaltyMs ?? DEFAULT_PENALTY_MS,
    exempt: config.throttle?.exempt,
    hashConcurrency: config.hashConcurrency ?? 2,
    hashQueue: config.hashQueue ?? 32,
    hashesPerClient: config.hashesPerClient ?? 4,
  };
}

export const AUTH_CONFIG = Symbol('AUTH_CONFIG');
