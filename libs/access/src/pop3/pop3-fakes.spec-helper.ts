import { Readable } from 'node:stream';
import { BlobStore, BlobNotFoundError } from '@mail/blob';
import { Pop3Backend, type Pop3Identity, type Pop3Maildrop, type Pop3MessageInfo } from './pop3-maildrop.port.js';

/** Blobs in memory, read back in small chunks so that chunk boundaries fall everywhere. */
export class MemoryBlobStore extends BlobStore {
  readonly blobs = new Map<string, Buffer>();
  constructor(private readonly chunkSize = 7) {
    super();
  }
  async put(key: string, body: Readable | Buffer): Promise<{ size: number }> {
    if (!Buffer.isBuffer(body)) throw new Error('memory store takes buffers');
    this.blobs.set(key, body);
    return { size: body.length };
  }
  async get(key: string): Promise<Readable> {
    return this.getRange(key, 0, Number.MAX_SAFE_INTEGER);
  }
  async getRange(key: string, start: number, end: number): Promise<Readable> {
    const blob = this.blobs.get(key);
    if (!blob) throw new BlobNotFoundError(key);
    const data = blob.subarray(start, end);
    const size = this.chunkSize;
    function* chunks() {
      for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
    }
    return Readable.from(chunks());
  }
  async stat(key: string): Promise<{ size: number } | null> {
    const blob = this.blobs.get(key);
    return blob ? { size: blob.length } : null;
  }
  async delete(key: string): Promise<void> {
    this.blobs.delete(key);
  }
  async ping(): Promise<void> {
    // memory is always reachable
  }
}

export interface FakeAccount {
  address: string;
  password: string;
  accountId: string;
}

export class FakePop3Backend extends Pop3Backend {
  readonly accounts: FakeAccount[] = [];
  readonly maildrops = new Map<string, Pop3MessageInfo[]>();
  readonly deletions: { accountId: string; mailboxId: string; uids: number[] }[] = [];
  readonly logins: { username: string; remoteAddress?: string }[] = [];

  constructor(private readonly blobs: MemoryBlobStore) {
    super();
  }

  addAccount(account: FakeAccount): void {
    this.accounts.push(account);
    this.maildrops.set(account.accountId, []);
  }

  async addMessage(accountId: string, body: string | Buffer): Promise<Pop3MessageInfo> {
    const list = this.maildrops.get(accountId)!;
    const uid = (list.at(-1)?.uid ?? 0) + 3;
    const buf = Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1');
    const blobKey = `msg/${accountId}/${uid}`;
    await this.blobs.put(blobKey, buf);
    const info = { uid, size: buf.length, blobKey, uidl: `7.${uid}` };
    list.push(info);
    return info;
  }

  async verifyLogin(username: string, password: string, remoteAddress?: string): Promise<Pop3Identity | null> {
    this.logins.push({ username, remoteAddress });
    const a = this.accounts.find((x) => x.address === username && x.password === password);
    return a ? { accountId: a.accountId, address: a.address } : null;
  }

  async openMaildrop(accountId: string): Promise<Pop3Maildrop> {
    return { mailboxId: `inbox-${accountId}`, messages: [...(this.maildrops.get(accountId) ?? [])] };
  }

  async deleteMessages(accountId: string, mailboxId: string, uids: number[]): Promise<void> {
    this.deletions.push({ accountId, mailboxId, uids });
    const list = this.maildrops.get(accountId)!;
    this.maildrops.set(accountId, list.filter((m) => !uids.includes(m.uid)));
  }
}
