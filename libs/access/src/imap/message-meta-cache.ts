/**
 * What FETCH shows of a message that never changes: its ENVELOPE as IMAP text (rendered when the
 * message was indexed), RFC822.SIZE and INTERNALDATE. Flags and MODSEQ do change and are not here.
 */
export interface MessageMeta {
  /** the ENVELOPE as the store gives it (UTF-8 as stored: a 7-bit session's downgrade is applied when it is sent) */
  envelope: string;
  size: number;
  internalDate: string;
}

/** per entry beyond its strings: the Map slot, the object, the numbers */
const ENTRY_OVERHEAD = 96;

/**
 * The immutable FETCH metadata of messages, by mailbox id and UID, shared by every session of the
 * process (ADR 0079). Correct across replicas without any invalidation: a UID names one message of a
 * mailbox for good (RFC 3501 2.3.1.1; the store never lowers `uid_next` nor reuses a UID, and a
 * mailbox deleted and created again gets a new id), and a message's content never changes. An
 * expunged message's entry is only dead weight until it is evicted.
 *
 * Bounded by an estimate of its bytes (string lengths plus a fixed overhead per entry), least
 * recently used out first.
 */
export class MessageMetaCache {
  private readonly entries = new Map<string, MessageMeta>();
  private bytes = 0;

  constructor(readonly maxBytes: number) {}

  get size(): number {
    return this.entries.size;
  }

  get usedBytes(): number {
    return this.bytes;
  }

  get(mailboxId: string, uid: number): MessageMeta | undefined {
    const key = keyOf(mailboxId, uid);
    const meta = this.entries.get(key);
    if (meta) {
      // most recently used last
      this.entries.delete(key);
      this.entries.set(key, meta);
    }
    return meta;
  }

  set(mailboxId: string, uid: number, meta: MessageMeta): void {
    const key = keyOf(mailboxId, uid);
    const cost = costOf(key, meta);
    if (cost > this.maxBytes) return;
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.bytes -= costOf(key, old);
    }
    this.entries.set(key, meta);
    this.bytes += cost;
    if (this.bytes <= this.maxBytes) return;
    for (const [oldest, value] of this.entries) {
      this.entries.delete(oldest);
      this.bytes -= costOf(oldest, value);
      if (this.bytes <= this.maxBytes) break;
    }
  }
}

function keyOf(mailboxId: string, uid: number): string {
  return `${mailboxId}/${uid}`;
}

function costOf(key: string, meta: MessageMeta): number {
  return key.length + meta.envelope.length + meta.internalDate.length + ENTRY_OVERHEAD;
}
