// The verified-ingest figure: mail from a sender domain that publishes SPF (allowing 127.0.0.1), a DKIM
// key and DMARC p=reject, every message DKIM-signed with mailauth by the bench (as the sender's MTA
// would), so that smtp-in's SPF, DKIM, ARC and DMARC checks all run and pass, with their DNS answers
// from the platform's loopback DNS server. Only a side that exposes that server (`target.dns`) has it;
// the anchor runs its default configuration, which verifies nothing.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const SIGNED_SENDER = 'news@signed.example';

/** Publishes the sender domain on the target's DNS server; null when the target has none. */
export function signedSender(target) {
  if (!target.dns) return null;
  const { senderDomain } = require('@mail/testing');
  const domain = senderDomain('signed.example', { dmarc: 'v=DMARC1; p=reject', spfAllows: 'ip4:127.0.0.1' });
  for (const [name, records] of Object.entries(domain.zone)) target.dns.set(name, records);
  return { from: SIGNED_SENDER, sign: (raw) => domain.sign(raw) };
}
