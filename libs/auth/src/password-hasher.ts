import { Algorithm, hash, verify } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';

/** Port over the password hash, so service tests don't pay for argon2. */
export abstract class PasswordHasher {
  abstract hash(password: string): Promise<string>;
  /** false for a wrong password and for a hash it can't read: a corrupt row must not open the door */
  abstract verify(hash: string, password: string): Promise<boolean>;
  /**
   * A hash of a random secret with the same cost as real ones: unknown users are verified against
   * it so they take as long as known users with a wrong password.
   */
  abstract dummyHash(): Promise<string>;
}

/** OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane): ~20-40 ms a login on a server core. */
export const ARGON2_OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export class Argon2PasswordHasher extends PasswordHasher {
  private dummy?: Promise<string>;

  constructor(private readonly options: { memoryCost: number; timeCost: number; parallelism: number } = ARGON2_OPTIONS) {
    super();
  }

  hash(password: string): Promise<string> {
    return hash(password, { ...this.options, algorithm: Algorithm.Argon2id });
  }

  async verify(stored: string, password: string): Promise<boolean> {
    try {
      return await verify(stored, password);
    } catch {
      return false;
    }
  }

  dummyHash(): Promise<string> {
    this.dummy ??= this.hash(randomBytes(24).toString('base64'));
    return this.dummy;
  }
}
