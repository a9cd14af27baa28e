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

const PREFIX = 'M';
const ID_FORM = /^M[0-9a-f]{32}$/;

function keyOf(ownerAccountId: string): Buffer {
  return createHash('sha256').update(`mail.emailid\0${ownerAccountId}`).digest().subarray(0, 16);
}

/**
 * Enciphers index row ids for one owner. ECB keeps no state between blocks, so one cipher serves a
 * whole page of FETCH results block by block (~1 µs CPU an id; a cipher per id costs ~20 times that).
 */
export class EmailIds {
  private readonly key: Buffer;
  private readonly block = Buffer.alloc(16);
  private cipher: Cipheriv | null = null;

  constructor(ownerAccountId: string) {
    this.key = keyOf(ownerAccountId);
  }

  of(indexId: number | string): string {
    this.block.fill(0);
    this.block.writeBigUInt64BE(BigInt(indexId), 8);
    this.cipher ??= createCipheriv('aes-128-ecb', this.key, null).setAutoPadding(false);
    return PREFIX + this.cipher.update(this.block).toString('hex');
  }

  /** The index row id an EMAILID stands for in this owner's mailboxes; null when it is not one of ours. */
  indexIdOf(emailId: string): number | null {
    if (!ID_FORM.test(emailId)) return null;
    const decipher = createDecipheriv('aes-128-ecb', this.key, null).setAutoPadding(false);
    const plain = Buffer.concat([decipher.update(Buffer.from(emailId.slice(PREFIX.length), 'hex')), decipher.final()]);
    if (plain.readBigUInt64BE(0) !== 0n) return null;
    const id = plain.readBigUInt64BE(8);
    return id > BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(id);
  }
}

/** What SEARCH EMAILID compiles against in one owner's mailbox (search-sql.ts). */
export function emailSearchIds(ownerAccountId: string): { indexIdOf(emailId: string): number | null } {
  let ids: EmailIds | null = null;
  return { indexIdOf: (emailId) => (ids ??= new EmailIds(ownerAccountId)).indexIdOf(emailId) };
}
