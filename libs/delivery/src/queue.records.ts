import type { EnvelopeParams } from '@mail/contracts';

export type RecipientStatus = 'queued' | 'deferred' | 'held' | 'delivered' | 'bounced' | 'failed';

export interface MessageSourceRecord {
  protocol: 'smtp' | 'submission' | 'local' | 'fetch';
  remoteAddress?: string;
  heloName?: string;
  authenticatedAs?: string;
  /** smtp-in's transaction id, the message's trace key (message trace) */
  session?: string;
  port?: number;
  tls?: { version: string; cipher: string };
  connector?: string;
}

export interface NewMessage {
  id: string;
  blobKey: string;
  size: number;
  mailFrom: string;
  messageId: string | null;
  subject: string | null;
  receivedAt: Date;
  source: MessageSourceRecord;
  traceparent: string | null;
  /** the blob's MessageIndex as smtp-in computed it (contracts CarriedIndex), for the store */
  index: string | null;
  /** ESMTP parameters (DSN, REQUIRETLS, SMTPUTF8, BODY) and per-recipient decisions; null: none */
  envelope?: EnvelopeParams | null;
}

export type QueuedMessage = NewMessage;

/** A recipient this worker holds a lease on. `attempts` already counts the current attempt. */
export interface ClaimedRecipient {
  id: string;
  messageId: string;
  address: string;
  attempts: number;
}

export interface QueueListing {
  message: QueuedMessage;
  recipients: Array<{ address: string; status: RecipientStatus; attempts: number; nextAttemptAt: Date | null; lastError: string | null }>;
}
