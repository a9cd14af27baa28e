import { ContractError } from '@mail/contracts';
import type { SecretBox } from '@mail/secrets';

/**
 * Remote passwords at rest (ADR 0028): sealed with the platform's SecretBox (SECRETS_KEY), so a
 * database dump alone reveals none. Opened only in the migration process, at the moment a
 * session logs in; no API or CLI answer ever carries one, sealed or not.
 */
export class CredentialSealer {
  constructor(private readonly box: SecretBox | undefined) {}

  seal(password: string): string {
    return this.require().seal(password);
  }

  open(sealed: string): string {
    return this.require().open(sealed);
  }

  private require(): SecretBox {
    if (!this.box) throw new ContractError('UNAVAILABLE', 'remote account passwords are sealed with SECRETS_KEY, which this migration service does not have');
    return this.box;
  }
}
