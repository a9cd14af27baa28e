import { createCipheriv, createDecipheriv, createHash, type Cipheriv } from 'node:crypto';

/**
 * RFC 8474 EMAILID (ADR 0056): the message's index row id (shared by every copy of one stored
 * message: COPY and MOVE keep it), enciphered with a key derived from the mailbox owner's account id.
 * One AES block is a permutation, so two index rows never share an EMAILID and the id can be
 * turned back into the row id for SEARCH EMAILID, with no column and no hash to compare per row.
 * The owner in the key keeps one user's EMAILIDs unrelated to another's for the same delivered
 * message, and the cipher keeps the global row counter (how much mail the whole platform stores
 * and receives) out of sight of every tenant.
 */

function keyOf(label: string, ownerAccountId: string): Buffer {
  return createHash('sha256').update(`${label}\0${ownerAccountId}`).digest().subarray(0, 16);
}

/**
 * Enciphers row numbers for one owner. ECB keeps no state between blocks, so one cipher serves a
 * whole page of FETCH results block by block (~1 µs CPU an id; a cipher per id costs ~20 times that).
 */
class OwnerIds {
  private readonly key: Buffer;
  private readonly block = Buffer.alloc(16);
  private cipher: Cipheriv | null = null;

  constructor(
    private readonly prefix: string,
    /** the prefix and 32 hex digits */
    private readonly form: RegExp,
    label: string,
    ownerAccountId: string,
  ) {
    this.key = keyOf(label, ownerAccountId);
  }

  of(n: number | string): string {
    this.block.fill(0);
    this.block.writeBigUInt64BE(BigInt(n), 8);
    this.cipher ??= createCipheriv('aes-128-ecb', this.key, null).setAutoPadding(false);
    return this.prefix + this.cipher.update(this.block).toString('hex');
  }

  /** The number an id stands for in this owner's mailboxes; null when it is not one of ours. */
  numberOf(id: string): number | null {
    if (!this.form.test(id)) return null;
    const decipher = createDecipheriv('aes-128-ecb', this.key, null).setAutoPadding(false);
    const plain = Buffer.concat([decipher.update(Buffer.from(id.slice(this.prefix.length), 'hex')), decipher.final()]);
    if (plain.readBigUInt64BE(0) !== 0n) return null;
    const n = plain.readBigUInt64BE(8);
    return n > BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(n);
  }
}

export class EmailIds {
  private readonly ids: OwnerIds;

  constructor(ownerAccountId: string) {
    this.ids = new OwnerIds('M', /^M[0-9a-f]{32}$/, 'mail.emailid', ownerAccountId);
  }

  of(indexId: number | string): string {
    return this.ids.of(indexId);
  }

  /** The index row id an EMAILID stands for in this owner's mailboxes; null when it is not one of ours. */
  indexIdOf(emailId: string): number | null {
    return this.ids.numberOf(emailId);
  }
}

/**
 * RFC 8474 THREADID (ADR 0066): the owner's thread number (the index row id of the thread's first
 * message, THREAD_ID in message.repository.ts), enciphered as EMAILID is but under a key of its
 * own, so that a thread's id does not show which message started it.
 */
export class ThreadIds {
  private readonly ids: OwnerIds;

  constructor(ownerAccountId: string) {
    this.ids = new OwnerIds('T', /^T[0-9a-f]{32}$/, 'mail.threadid', ownerAccountId);
  }

  of(threadNumber: number | string): string {
    return this.ids.of(threadNumber);
  }

  /** The thread number a THREADID stands for in this owner's mailboxes; null when it is not one of ours. */
  threadOf(threadId: string): number | null {
    return this.ids.numberOf(threadId);
  }
}

/** What SEARCH EMAILID and THREADID compile against in one owner's mailbox (search-sql.ts). */
export function emailSearchIds(ownerAccountId: string): { indexIdOf(emailId: string): number | null; threadOf(threadId: string): number | null } {
  let emails: EmailIds | null = null;
  let threads: ThreadIds | null = null;
  return {
    indexIdOf: (emailId) => (emails ??= new EmailIds(ownerAccountId)).indexIdOf(emailId),
    threadOf: (threadId) => (threads ??= new ThreadIds(ownerAccountId)).threadOf(threadId),
  };
}
