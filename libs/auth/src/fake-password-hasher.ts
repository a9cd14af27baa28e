import { PasswordHasher } from './password-hasher.js';

/** Instant, reversible "hashing" for service tests; records what was verified against what. */
export class FakePasswordHasher extends PasswordHasher {
  readonly verified: string[] = [];
  async hash(password: string) {
    return `fake$${password}`;
  }
  async verify(hash: string, password: string) {
    this.verified.push(hash);
    return hash === `fake$${password}`;
  }
  async dummyHash() {
    return 'fake$dummy-never-matches\u0000';
  }
}
