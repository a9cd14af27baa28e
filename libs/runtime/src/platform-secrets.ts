import type { CommonEnv } from '@mail/config';
import { secretBoxFromEnv, type SecretBox } from '@mail/secrets';

/**
 * The SecretBox of a process that stores or reads sealed secrets (DKIM private keys, smart-host
 * passwords). Embedded: SECRETS_KEY or the generated DATA_DIR/secrets.key. Distributed: only with
 * SECRETS_KEY (replicas must share it); without it the features that need secrets refuse with a
 * clear error instead of the whole service refusing to start.
 */
export async function platformSecrets(env: CommonEnv, mode: 'embedded' | 'distributed'): Promise<SecretBox | undefined> {
  if (mode === 'distributed' && !env.SECRETS_KEY) return undefined;
  return secretBoxFromEnv({ key: env.SECRETS_KEY, previousKeys: env.SECRETS_PREVIOUS_KEYS, dataDir: mode === 'embedded' ? env.DATA_DIR : undefined });
}
