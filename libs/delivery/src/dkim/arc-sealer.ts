import type { Readable } from 'node:stream';
import type { sealMessage } from 'mailauth/lib/arc/index.js';
import type { CachedRequester } from '@mail/bus';
import type { GetDkimSigningKeys } from '@mail/contracts';
import type { Opener, OutboundBody } from './outbound-dkim-signer.js';
import { prependToStream } from './prepend-stream.js';

/** Our own Authentication-Results of a message (the one inbound verification put on top) and the ARC cv it implies. */
export interface OwnAuthResults {
  /** the field's value, authserv-id first: what ARC-Authentication-Results carries */
  value: string;
  /** RFC 8617 §5.1: none when the message came without a chain, pass/fail as our arc= check said */
  cv: 'none' | 'pass' | 'fail';
}

/**
 * The `Authentication-Results` whose authserv-id is ours (smtp-in strips forged ones and puts its
 * own first, ADR 0016), unfolded, with the chain validation status its `arc=` result gives. Pure.
 */
export function ownAuthResults(headerBlock: string, authservId: string): OwnAuthResults | null {
  const unfolded = headerBlock.replace(/\r?\n[ \t]+/g, ' ');
  for (const line of unfolded.split(/\r?\n/)) {
    const m = /^Authentication-Results:\s*(.*)$/i.exec(line);
    if (!m) continue;
    const value = m[1].trim();
    const id = /^"?([^";\s]+)"?/.exec(value)?.[1];
    if (!id || id.toLowerCase() !== authservId.toLowerCase()) continue;
    const arc = /(?:^|;)\s*arc=(\w+)/i.exec(value)?.[1]?.toLowerCase();
    return { value: value.slice(0, 4000), cv: arc === 'pass' ? 'pass' : arc === 'fail' ? 'fail' : 'none' };
  }
  return null;
}

/**
 * ARC sealing (RFC 8617) of mail this platform forwards: the forwarding domain's DKIM key signs
 * an ARC set carrying our verification of the message as it arrived, so the final receiver can
 * trust SPF/DKIM/DMARC results the forwarding broke. Streaming like DKIM signing (ADR 0017): the
 * seal is computed over one read of the blob, then prepended to a second read.
 */
export class ArcSealer {
  constructor(
    private readonly keys: Pick<CachedRequester<typeof GetDkimSigningKeys>, 'request'>,
    private readonly secrets: Opener | undefined,
    private readonly authservId: string,
  ) {}

  /** The sealed message, or null when there is nothing to seal with (no key, no verdict of ours, a chain that failed). */
  async seal(domain: string, message: { size: number }, read: () => Promise<Readable>, headers: Buffer): Promise<OutboundBody | null> {
    const own = ownAuthResults(headers.toString('latin1'), this.authservId);
    // RFC 8617 §5.1 step 2: a chain whose newest seal failed is not sealed again
    if (!own || own.cv === 'fail' || !this.secrets) return null;
    const { keys } = await this.keys.request({ domain });
    // ARC validators support RSA everywhere, Ed25519 rarely: the RSA key when there is one
    const key = keys.find((k) => k.algorithm !== 'ed25519') ?? keys[0];
    if (!key) return null;
    // mailauth is loaded at the first seal, not with the process (ADR 0084)
    const seal = await (await import('mailauth/lib/arc/index.js')).sealMessage(await read(), {
      signingDomain: domain,
      selector: key.selector,
      privateKey: this.secrets.open(key.sealedPrivateKey),
      algorithm: key.algorithm === 'ed25519' ? 'ed25519-sha256' : 'rsa-sha256',
      authResults: own.value,
      cv: own.cv,
    } as Parameters<typeof sealMessage>[1]);
    if (!seal.length) return null;
    return { open: async () => prependToStream(seal, await read()), size: message.size + seal.length, signedBy: null };
  }
}
