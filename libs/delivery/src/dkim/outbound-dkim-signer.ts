import type { Readable } from 'node:stream';
import type { CachedRequester } from '@mail/bus';
import { DomainName, type GetDkimSigningKeys } from '@mail/contracts';
import type { MessageSourceRecord } from '../queue.records.js';
import { readHeaderBlock } from '../dsn.js';
import { headerFromDomain } from './header-from-domain.js';
import { prependToStream } from './prepend-stream.js';

/** Opens what auth sealed (@mail/secrets' SecretBox). */
export interface Opener {
  open(sealed: string): string;
}

/** The message as it goes out: the stored blob, with the signature header block in front when signed. */
export interface OutboundBody {
  open(): Promise<Readable>;
  size: number;
  /** `d=` of the signatures, or null when sent unsigned */
  signedBy: string | null;
}

export class DkimSigningError extends Error {}

/**
 * Mail we vouch for is submitted by our users or made by the platform; mail that arrived from the internet is not signed
 * with the hosted domain's key even when its From claims that domain: ARC seals it on forwarding.
 */
export function originatesHere(source: MessageSourceRecord): boolean {
  return source.protocol === 'submission' || source.protocol === 'local';
}

/**
 * DKIM signing of outbound mail (ADR 0017). The signature needs the body hash before the body, so
 * a message is read twice from the blob store: once through mailauth's signer (a stream: only the
 * header block is held), then again behind the signature as it is sent. A 150 MB message never
 * sits in memory; it costs a second read instead.
 */
export class OutboundDkimSigner {
  constructor(
    private readonly keys: Pick<CachedRequester<typeof GetDkimSigningKeys>, 'request'>,
    private readonly secrets: Opener | undefined,
  ) {}

  /** `headers`: the message's header block when the caller has read it already */
  async bodyFor(message: { source: MessageSourceRecord; size: number }, read: () => Promise<Readable>, headers?: Buffer): Promise<OutboundBody> {
    const unsigned: OutboundBody = { open: read, size: message.size, signedBy: null };
    if (!originatesHere(message.source)) return unsigned;
    const domain = headerFromDomain(headers ?? (await readHeaderBlock(await read())));
    // a From domain that is no domain name (`localhost`, an address literal) has no keys to ask for
    if (!domain || !DomainName.safeParse(domain).success) return unsigned;
    const { keys } = await this.keys.request({ domain });
    if (!keys.length) return unsigned;
    if (!this.secrets) throw new DkimSigningError(`${domain} has DKIM keys but this process has no secrets key to open them (SECRETS_KEY)`);
    const opener = this.secrets;
    const signatureData = keys.map((k) => ({
      signingDomain: domain,
      selector: k.selector,
      privateKey: opener.open(k.sealedPrivateKey),
      algorithm: k.algorithm === 'ed25519' ? 'ed25519-sha256' : 'rsa-sha256',
      canonicalization: 'relaxed/relaxed',
    }));
    // mailauth is loaded at the first signature, not with the process (ADR 0084)
    const { dkimSign } = await import('mailauth/lib/dkim/sign.js');
    const result = await dkimSign(await read(), { signingDomain: domain, selector: keys[0].selector, privateKey: signatureData[0].privateKey, signatureData });
    if (result.errors?.length || !result.signatures) {
      throw new DkimSigningError(`DKIM signing for ${domain} failed: ${result.errors?.map((e) => e.err?.message ?? String(e)).join('; ') || 'no signature made'}`);
    }
    const prefix = Buffer.from(result.signatures);
    return { open: async () => prependToStream(prefix, await read()), size: message.size + prefix.length, signedBy: domain };
  }
}
