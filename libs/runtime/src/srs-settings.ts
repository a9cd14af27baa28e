import type { CommonEnv } from '@mail/config';
import type { SecretBox } from '@mail/secrets';
import type { SrsOptions } from '@mail/srs';

/**
 * SRS for smtp-in (reverse: bounces to rewritten senders) and delivery (forward), with HMAC keys
 * derived from the secrets box, so the operator manages one key and a rotation of SECRETS_KEY keeps
 * honouring addresses made under SECRETS_PREVIOUS_KEYS. Off without a box (a distributed replica
 * without SECRETS_KEY) or with `SRS=off`.
 */
export function srsSettings(env: CommonEnv, secrets: SecretBox | undefined): SrsOptions | undefined {
  if (env.SRS === 'off' || !secrets) return undefined;
  const [sign, ...older] = secrets.deriveKeys('srs');
  return { keys: { sign, verify: [sign, ...older] }, domain: env.SRS_DOMAIN ?? env.HOSTNAME_FQDN, maxAgeDays: env.SRS_MAX_AGE_DAYS };
}
