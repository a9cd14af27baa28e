import type { SMTPServerSession } from 'smtp-server';
import type { ListenerKind } from './smtp-session.js';

/**
 * How far smtp-in trusts where a message comes from, decided once per session: mail from the
 * internet is verified (SPF, DKIM, ARC, DMARC) and the sender domain's DMARC policy applied; mail
 * from an authenticated user, and from a connector that says the peer is ours (an `onPremises`
 * connector), is not. A filtering connector (a gateway in front of us) keeps the checks but names
 * the address they evaluate: the gateway's own would make every SPF check fail.
 *
 * The connector matcher decides with `setInboundTrust(session, ...)` at connect time (or later);
 * sessions it leaves alone get the default below.
 */
export interface InboundTrust {
  /** run the checks and apply DMARC policy */
  verify: boolean;
  /** the client address the checks evaluate */
  ip: string;
  /** where the mail is from, for logs and the skip decision */
  source: 'internet' | 'submission' | 'connector';
  /**
   * Behind a filtering connector: the address to evaluate comes from the message's own Received
   * chain (newest first), known only once its header block has arrived; `ip` is the fallback.
   */
  ipFromReceived?: (received: string[]) => string;
}

const TRUST_KEY = 'inboundTrust';

export function setInboundTrust(session: SMTPServerSession, trust: InboundTrust): void {
  (session as unknown as Record<string, unknown>)[TRUST_KEY] = trust;
}

export function inboundTrust(listener: ListenerKind, session: SMTPServerSession): InboundTrust {
  const set = (session as unknown as Record<string, unknown>)[TRUST_KEY] as InboundTrust | undefined;
  if (set) return set;
  if (listener !== 'mx' || session.user) return { verify: false, ip: session.remoteAddress, source: 'submission' };
  return { verify: true, ip: session.remoteAddress, source: 'internet' };
}
