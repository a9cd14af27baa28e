import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { copyMailbox } from './copy-mailbox.js';
import type { LocalMailbox, RemoteFolder, SpecialUseAttr } from './folder-plan.js';
import { fingerprint, ProgressStore, type FolderProgress } from './folder-progress.js';
import { LocalMailboxSink, type LocalAppend, type LocalAppendResult, type StoredBody } from './local-mailbox.port.js';
import { RemoteMailbox, type RemoteFolderState, type RemoteMessageMeta } from './remote-mailbox.port.js';

// In-memory ends for the engine's own logic (windows, checkpoints, idempotency, UIDVALIDITY); the
// imapflow and store adapters are exercised against real servers in test/e2e.

interface Msg {
  uid: number;
  flags: string[];
  date: Date;
  body: Buffer;
  messageId: string;
}

class FakeRemote extends RemoteMailbox {
  folders = new Map<string, { uidValidity: number; messages: Msg[]; flags: string[] }>();
  bodyFetches = 0;
  private open = '';

  add(folder: string, n: number, opts: { firstUid?: number; gap?: number } = {}): Msg[] {
    const f = this.folders.get(folder) ?? { uidValidity: 1, messages: [], flags: [] };
    this.folders.set(folder, f);
    const start = opts.firstUid ?? (f.messages.at(-1)?.uid ?? 0) + 1;
    const added = Array.from({ length: n }, (_, i) => {
      const messageId = `<${randomUUID()}@fake>`;
      return { uid: start + i * (opts.gap ?? 1), flags: i % 2 ? ['\\Seen'] : [], date: new Date(Date.UTC(2020, 0, 1, 0, 0, i)), body: Buffer.from(`Message-ID: ${messageId}\r\n\r\nbody ${i}\r\n`), messageId };
    });
    f.messages.push(...added);
    return added;
  }

  async listFolders(): Promise<{ folders: RemoteFolder[]; personalPrefix: string }> {
    return { folders: [...this.folders.entries()].map(([path, f]) => ({ path, delimiter: '/', flags: f.flags })), personalPrefix: '' };
  }
  async openFolder(path: string): Promise<RemoteFolderState> {
    this.open = path;
    const f = this.folders.get(path)!;
    return { uidValidity: f.uidValidity, uidNext: (f.messages.at(-1)?.uid ?? 0) + 1, messages: f.messages.length };
  }
  async listMessages(from: number, to: number, opts: { messageId?: boolean } = {}): Promise<RemoteMessageMeta[]> {
    return this.folders
      .get(this.open)!
      .messages.filter((m) => m.uid >= from && m.uid <= to)
      .map((m) => ({ uid: m.uid, flags: m.flags, internalDate: m.date, size: m.body.length, messageId: opts.messageId ? m.messageId : undefined }));
  }
  async *fetchBodies(uids: readonly number[]): AsyncIterable<{ uid: number; body: Buffer }> {
    this.bodyFetches++;
    for (const m of this.folders.get(this.open)!.messages) if (uids.includes(m.uid)) yield { uid: m.uid, body: m.body };
  }
  async downloadBody(): Promise<Readable | null> {
    throw new Error('no large messages here');
  }
  async close(): Promise<void> {
    this.open = '';
  }
}

class FakeSink extends LocalMailboxSink {
  boxes = new Map<string, Array<{ body: Buffer; flags: string[]; date: Date; key: string }>>([['INBOX', []]]);
  private blobs = new Map<string, Buffer>();
  private keys = new Set<string>();
  failAfter = Infinity;

  async listMailboxes(): Promise<LocalMailbox[]> {
    return [...this.boxes.keys()].map((name) => ({ name, specialUse: null }));
  }
  async ensureMailbox(name: string, _specialUse: SpecialUseAttr | null): Promise<void> {
    if (!this.boxes.has(name)) this.boxes.set(name, []);
  }
  async storeBody(body: Buffer | Readable): Promise<StoredBody> {
    const key = randomUUID();
    this.blobs.set(key, body as Buffer);
    return { blobKey: key, size: (body as Buffer).length };
  }
  async discardBody(body: StoredBody): Promise<void> {
    this.blobs.delete(body.blobKey);
  }
  async append(items: readonly LocalAppend[]): Promise<LocalAppendResult[]> {
    return items.map((i) => {
      if (this.keys.has(i.idempotencyKey)) return { ok: true, duplicate: true };
      if (this.failAfter-- <= 0) return { ok: false, code: 'UNAVAILABLE', message: 'store down' };
      this.keys.add(i.idempotencyKey);
      this.boxes.get(i.mailbox)!.push({ body: this.blobs.get(i.body.blobKey)!, flags: i.flags, date: i.internalDate, key: i.idempotencyKey });
      return { ok: true, duplicate: false };
    });
  }
  async *fingerprints(mailbox: string): AsyncIterable<string> {
    for (const m of this.boxes.get(mailbox) ?? []) {
      const id = /Message-ID: (\S+)/.exec(m.body.toString())?.[1] ?? null;
      yield fingerprint(m.body.length, m.date, id);
    }
  }
  bodies(mailbox: string): string[] {
    return (this.boxes.get(mailbox) ?? []).map((m) => m.body.toString());
  }
}

class MapProgress extends ProgressStore {
  saved = new Map<string, FolderProgress>();
  saves = 0;
  async load(path: string): Promise<FolderProgress | null> {
    const p = this.saved.get(path);
    return p ? { ...p } : null;
  }
  async save(p: FolderProgress): Promise<void> {
    this.saves++;
    this.saved.set(p.remotePath, { ...p });
  }
}

const opts = { idempotencyScope: 'user-1', chunkMessages: 10 };

describe('copyMailbox', () => {
  it('copies every folder in UID order, in chunks, through sparse UIDs, checkpointing each chunk', async () => {
    const remote = new FakeRemote();
    const inbox = remote.add('INBOX', 35);
    remote.add('Archive/2019', 12, { firstUid: 1000, gap: 9000 });
    const sink = new FakeSink();
    const progress = new MapProgress();
    const r = await copyMailbox(remote, sink, progress, opts);
    assert.equal(r.messages, 47);
    assert.deepEqual(sink.bodies('INBOX'), inbox.map((m) => m.body.toString()));
    assert.equal(sink.bodies('Archive/2019').length, 12);
    assert.deepEqual(sink.boxes.get('INBOX')!.map((m) => m.flags), inbox.map((m) => m.flags));
    assert.equal(progress.saved.get('INBOX')!.lastUid, 35);
    assert.equal(progress.saved.get('INBOX')!.done, 35);
    assert.ok(progress.saves >= 4 + 2, 'a checkpoint per chunk');
  });

  it('stops between chunks and resumes from the checkpoint without duplicates; a pass over a synced folder copies only what is new', async () => {
    const remote = new FakeRemote();
    remote.add('INBOX', 40);
    const sink = new FakeSink();
    const progress = new MapProgress();
    const stop = new AbortController();
    let chunks = 0;
    const first = await copyMailbox(remote, sink, progress, { ...opts, signal: stop.signal, onChunk: () => ++chunks === 2 && stop.abort() });
    assert.equal(first.stopped, true);
    assert.equal(sink.bodies('INBOX').length, 20);
    await copyMailbox(remote, sink, progress, opts);
    assert.equal(sink.bodies('INBOX').length, 40);
    remote.add('INBOX', 3);
    const again = await copyMailbox(remote, sink, progress, opts);
    assert.equal(again.messages, 3);
    assert.equal(sink.bodies('INBOX').length, 43);
    assert.equal(new Set(sink.bodies('INBOX')).size, 43);
  });

  it('replays a chunk whose checkpoint was lost without appending it twice (the idempotency key)', async () => {
    const remote = new FakeRemote();
    remote.add('INBOX', 25);
    const sink = new FakeSink();
    const progress = new MapProgress();
    await copyMailbox(remote, sink, progress, opts);
    // the checkpoint of the last chunk never reached the database
    progress.saved.set('INBOX', { ...progress.saved.get('INBOX')!, lastUid: 10, done: 10 });
    await copyMailbox(remote, sink, progress, opts);
    assert.equal(sink.bodies('INBOX').length, 25);
    assert.equal(progress.saved.get('INBOX')!.done, 25);
  });

  it('a store failure mid-chunk leaves the checkpoint before the chunk; the retry completes it once', async () => {
    const remote = new FakeRemote();
    remote.add('INBOX', 30);
    const sink = new FakeSink();
    sink.failAfter = 15;
    const progress = new MapProgress();
    await assert.rejects(copyMailbox(remote, sink, progress, opts), /store could not take messages/);
    assert.equal(progress.saved.get('INBOX')!.lastUid, 10);
    sink.failAfter = Infinity;
    await copyMailbox(remote, sink, progress, opts);
    assert.equal(sink.bodies('INBOX').length, 30);
    assert.equal(new Set(sink.bodies('INBOX')).size, 30);
  });

  it('after a UIDVALIDITY change, walks the folder again and recognises what was copied by fingerprint', async () => {
    const remote = new FakeRemote();
    remote.add('INBOX', 20);
    const sink = new FakeSink();
    const progress = new MapProgress();
    await copyMailbox(remote, sink, progress, opts);
    // the server rebuilt its index: new UIDVALIDITY, new UIDs for the same messages, plus two new ones
    const f = remote.folders.get('INBOX')!;
    f.uidValidity = 7;
    f.messages = f.messages.map((m, i) => ({ ...m, uid: 500 + i }));
    remote.add('INBOX', 2);
    const r = await copyMailbox(remote, sink, progress, opts);
    assert.equal(r.messages, 22, 'all counted as done');
    assert.equal(sink.bodies('INBOX').length, 22, 'only the two new ones copied');
    assert.equal(new Set(sink.bodies('INBOX')).size, 22);
    assert.equal(progress.saved.get('INBOX')!.uidValidity, 7);
  });
});
