import { ContractError } from '@mail/contracts';

/**
 * Seals and opens the smart-host passwords (AES-256-GCM with SECRETS_KEY: @mail/secrets'
 * SecretBox). A port, so the service is tested without a key file.
 */
export abstract class SecretSealer {
  abstract seal(text: string): string;
  /** throws when the text was sealed with another key or altered */
  abstract open(sealed: string): string;
}

/** Where no key is configured: connectors work, but a password can't be stored. */
export class NoSecretSealer extends SecretSealer {
  seal(): string {
    throw new ContractError('INVALID', 'authPassword needs SECRETS_KEY to be set (passwords are stored sealed)');
  }
  open(): string {
    throw new ContractError('INVALID', 'authPassword needs SECRETS_KEY to be set');
  }
}
