import { Readable } from 'node:stream';
import { newBlobKey, type BlobStore } from '@mail/blob';
import type { Bus } from '@mail/bus';
import { AppendMessages, ContractError, CreateMailbox, FetchMessages, ListMailboxes, MailboxStatus, encodeCarriedIndex } from '@mail/contracts';
import { TolerantIndexer } from '@mail/mime';
import type { LocalMailbox, SpecialUseAttr } from '../copy/folder-plan.js';
import { fingerprint } from '../copy/folder-progress.js';
import { LocalMailboxSink, type LocalAppend, type LocalAppendResult, type StoredBody } from '../copy/local-mailbox.port.js';

/**
 * The target account through the store's contracts: bodies into the blob store (indexed on the
 * way, as IMAP APPEND does, ADR 0007), then one AppendMessages request per chunk: the same append
 * path as APPEND, batched.
 */
export class StoreSink extends LocalMailboxSink {
  constructor(
    private readonly bus: Bus,
    private readonly blobs: BlobStore,
    private readonly accountId: string,
  ) {
    super();
  }

  async listMailboxes(): Promise<LocalMailbox[]> {
    const { mailboxes } = await this.bus.request(ListMailboxes, { accountId: this.accountId });
    return mailboxes.map((m) => ({ name: m.name, specialUse: m.specialUse }));
  }

  async ensureMailbox(name: string, specialUse: SpecialUseAttr | null): Promise<void> {
    try {
      await this.bus.request(MailboxStatus, { accountId: this.accountId, name });
      return;
    } catch (err) {
      if (!(err instanceof ContractError && err.code === 'NOT_FOUND')) throw err;
    }
    try {
      await this.bus.request(CreateMailbox, { accountId: this.accountId, name, specialUse: specialUse ?? undefined });
    } catch (err) {
      // created meanwhile (a second worker, or a user's client): fine
      if (!(err instanceof ContractError && err.code === 'CONFLICT')) throw err;
    }
  }

  async storeBody(body: Buffer | Readable): Promise<StoredBody> {
    const key = newBlobKey();
    const indexer = new TolerantIndexer();
    let size: number;
    if (Buffer.isBuffer(body)) {
      indexer.feed(body);
      ({ size } = await this.blobs.put(key, body));
    } else {
      const source = body;
      const tee = Readable.from(
        (async function* () {
          for await (const chunk of source) {
            const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
            indexer.feed(buf);
            yield buf;
          }
        })(),
      );
      ({ size } = await this.blobs.put(key, tee));
    }
    const index = indexer.end();
    return { blobKey: key, size, index: index && encodeCarriedIndex(index) };
  }

  async discardBody(body: StoredBody): Promise<void> {
    await this.blobs.delete(body.blobKey);
  }

  async append(items: readonly LocalAppend[]): Promise<LocalAppendResult[]> {
    const { results } = await this.bus.request(AppendMessages, {
      items: items.map((i) => ({
        accountId: this.accountId,
        mailbox: i.mailbox,
        blobKey: i.body.blobKey,
        size: i.body.size,
        index: i.body.index,
        internalDate: i.internalDate.toISOString(),
        flags: i.flags,
        idempotencyKey: i.idempotencyKey,
      })),
    });
    return results.map((r) => (r.ok ? { ok: true, duplicate: r.result.duplicate } : { ok: false, code: r.code, message: r.message }));
  }

  async *fingerprints(mailbox: string): AsyncIterable<string> {
    let info;
    try {
      info = await this.bus.request(MailboxStatus, { accountId: this.accountId, name: mailbox });
    } catch (err) {
      if (err instanceof ContractError && err.code === 'NOT_FOUND') return;
      throw err;
    }
    let after = 0;
    for (;;) {
      const page = await this.bus.request(FetchMessages, {
        accountId: this.accountId,
        mailboxId: info.id,
        uids: [[after + 1, Math.max(after + 1, info.uidNext)]],
        envelope: true,
        bodyRefs: false,
        limit: 2000,
      });
      for (const m of page.messages) yield fingerprint(m.size, new Date(m.internalDate), m.envelope?.messageId);
      if (!page.more || !page.messages.length) return;
      after = page.messages[page.messages.length - 1].uid;
    }
  }
}
