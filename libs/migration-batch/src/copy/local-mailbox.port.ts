import type { Readable } from 'node:stream';
import type { ErrorCode } from '@mail/contracts';
import type { LocalMailbox, SpecialUseAttr } from './folder-plan.js';

export interface StoredBody {
  blobKey: string;
  size: number;
  /** the carried MIME index (ADR 0007), so the store need not read the blob back */
  index?: string;
}

export interface LocalAppend {
  mailbox: string;
  body: StoredBody;
  flags: string[];
  internalDate: Date;
  /** the same key twice appends once (the store's append idempotency) */
  idempotencyKey: string;
}

export type LocalAppendResult = { ok: true; duplicate: boolean } | { ok: false; code: ErrorCode; message: string };

/**
 * The target account on this platform: the store's own append path (the one IMAP APPEND uses), so
 * dates, flags and folders are kept, which SMTP delivery would not do.
 */
export abstract class LocalMailboxSink {
  abstract listMailboxes(): Promise<LocalMailbox[]>;
  abstract ensureMailbox(name: string, specialUse: SpecialUseAttr | null): Promise<void>;
  /** writes the bytes to the blob store unchanged */
  abstract storeBody(body: Buffer | Readable): Promise<StoredBody>;
  abstract discardBody(body: StoredBody): Promise<void>;
  /** appends in order; each item succeeds or fails on its own */
  abstract append(items: readonly LocalAppend[]): Promise<LocalAppendResult[]>;
  /** `fingerprint()` of every message in a local mailbox, paged by the adapter */
  abstract fingerprints(mailbox: string): AsyncIterable<string>;
}
