import type { Readable } from 'node:stream';
import { newBlobKey, type BlobStore } from '@mail/blob';
import type { Bus } from '@mail/bus';
import { EnqueueMessage, encodeCarriedIndex } from '@mail/contracts';
import { headerSafe, receiveIntoBlob, rfc5322Date } from '@mail/intake';
import { RemoteError, classifyRemoteError } from '../remote/remote-error.js';

export interface FetchedMessage {
  /** the local address the message is for (the external account's owner) */
  recipient: string;
  /**
   * The queue entry's id, chosen by the caller and recorded before the message is fetched: a
   * delivery repeated after a crash names the same entry, and delivery adds nothing the second
   * time (EnqueueMessage.queueId, ADR 0028).
   */
  queueId: string;
  body: Readable;
  /** where it came from, for the Received: header and message trace */
  remote: { protocol: 'imap' | 'pop3'; host: string };
  /** trace key of the run (e.g. `fetch-<account>`) */
  session: string;
}

export interface FetchedDelivery {
  queueId: string;
  size: number;
  /** the entry was queued by an earlier attempt; nothing new was queued */
  duplicate: boolean;
  messageId?: string;
}

/**
 * Hands a message taken from another server to the normal delivery path, exactly as smtp-in hands
 * one over (claim check): the bytes stream into the blob store behind our Received: header,
 * indexed on the way (ADR 0007), then the queue takes it. From there on it is mail like any other:
 * recipient expansion, groups, quotas, message trace. The envelope sender is null, so that a
 * failure to deliver it (over quota) never sends a DSN to the message's original sender, who did
 * not send it to us.
 */
export class FetchedMessageDelivery {
  constructor(
    private readonly bus: Bus,
    private readonly blobs: BlobStore,
    private readonly opts: { hostname: string; maxMessageBytes: number; enqueueTimeoutMs?: number },
  ) {}

  async deliver(m: FetchedMessage): Promise<FetchedDelivery> {
    const receivedAt = new Date();
    const key = newBlobKey('msg', receivedAt);
    const received =
      `Received: from ${headerSafe(m.remote.host)}\r\n\tby ${this.opts.hostname} with ${m.remote.protocol.toUpperCase()} id ${m.queueId}\r\n` +
      `\tfor <${headerSafe(m.recipient, 320)}>;\r\n\t${rfc5322Date(receivedAt)}\r\n`;
    const intake = await receiveIntoBlob(m.body, { blobs: this.blobs, key, prefix: Buffer.from(received), maxBytes: this.opts.maxMessageBytes });
    if (!intake.ok) {
      if (intake.reason === 'too-large') throw new RemoteError('delivery', `message larger than ${this.opts.maxMessageBytes} octets`);
      // the source failed (the remote went away mid-message) or the blob store did: either way nothing was queued
      throw classifyRemoteError(intake.error ?? new Error('the message stream ended early'));
    }
    let answer: { queueId: string; duplicate?: boolean };
    try {
      answer = await this.bus.request(
        EnqueueMessage,
        {
          blobKey: key,
          size: intake.size,
          mailFrom: '',
          recipients: [m.recipient],
          receivedAt: receivedAt.toISOString(),
          messageId: intake.headers.messageId,
          subject: intake.headers.subject,
          source: { protocol: 'fetch', remoteAddress: m.remote.host.slice(0, 64), session: m.session.slice(0, 64) },
          index: intake.index && encodeCarriedIndex(intake.index),
          queueId: m.queueId,
        },
        { timeoutMs: this.opts.enqueueTimeoutMs ?? 30_000 },
      );
    } catch (err) {
      // the answer may be lost after delivery committed: the blob is left (an orphan at worst) and
      // the caller retries with the same queueId, which delivery recognises
      throw new RemoteError('delivery', `delivery did not take the message: ${String((err as Error)?.message ?? err)}`, { cause: err });
    }
    if (answer.duplicate) await this.blobs.delete(key).catch(() => undefined);
    return { queueId: answer.queueId, size: intake.size, duplicate: !!answer.duplicate, messageId: intake.headers.messageId };
  }
}
