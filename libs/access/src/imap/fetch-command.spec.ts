import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { BlobNotFoundError } from '@mail/blob';
import type { FetchItem } from '@mail/imap-protocol';
import { FetchCommand } from './fetch-command.js';
import { FakeChangeFeed, FakeMailStore } from './imap-fakes.spec-helper.js';
import { MailboxView } from './mailbox-view.js';
import { ConnectionClosedError, SocketOutput } from './socket-output.js';
import { TrackingBlobStore } from '../tracking-blob-store.spec-helper.js';
import { socketPair } from './socket-pair.spec-helper.js';

const ACCOUNT = '33333333-3333-4333-8333-333333333333';
const BODY_PEEK: FetchItem = { kind: 'BODY[]', peek: true, section: { part: [], text: null, fields: [] }, partial: null };

function rawMessage(i: number): string {
  // message 7 is past the inline limit: it streams in its turn while the reads after it go on
  const filler = i === 7 ? 'z'.repeat(150 * 1024) : 'y'.repeat(40 * i);
  return `Subject: m${i}\r\nMessage-ID: <m${i}@example.com>\r\n\r\nbody ${i} ${filler}\r\n`;
}

/** a FETCH over a real socket pair, the mailbox in the fake store, bodies in a tracking blob store */
async function setup(count: number) {
  const blobs = new TrackingBlobStore(4096);
  const store = new FakeMailStore(blobs, new FakeChangeFeed());
  const raws = Array.from({ length: count }, (_, i) => rawMessage(i + 1));
  for (const raw of raws) await store.deliver(ACCOUNT, raw);
  const opened = await store.openMailbox({ accountId: ACCOUNT, name: 'INBOX' });
  const view = new MailboxView(opened.mailbox, true);
  view.load(opened.messages);

  const { server, client, received } = await socketPair();

  const uids = opened.messages.map((m) => m.uid);
  const { messages } = await store.fetchMessages({ accountId: ACCOUNT, mailboxId: opened.mailbox.id, uids: [[uids[0]!, uids.at(-1)!]], envelope: false, bodyStructure: false, limit: 5000 });
  const blobKeys = messages.map((m) => m.blobKey);
  blobs.resetCounts();
  const fetch = () =>
    new FetchCommand({ store, blobs, out: new SocketOutput(server), accountId: ACCOUNT, view }).run({
      targets: uids.map((uid, i) => [i + 1, uid]),
      items: [BODY_PEEK],
      byUid: true,
    });
  const expected = (n: number) => raws.slice(0, n).map((raw, i) => `* ${i + 1} FETCH (UID ${uids[i]} BODY[] {${raw.length}}\r\n${raw})\r\n`).join('');
  const text = () => Buffer.concat(received).toString('latin1');
  const until = async (done: () => boolean) => {
    for (let i = 0; i < 400 && !done(); i++) await new Promise((r) => setTimeout(r, 5));
    assert.ok(done(), 'timed out');
  };
  const close = () => {
    client.destroy();
    server.destroy();
  };
  return { blobs, blobKeys, client, server, fetch, expected, text, until, close };
}

describe('FetchCommand reads bodies ahead', () => {
  it('answers in order and byte-exact while reads finish out of order, with a bounded number in flight', async () => {
    const t = await setup(60);
    try {
      t.blobs.delayMs = 1;
      t.blobs.jitter = 6;
      await t.fetch();
      await t.until(() => t.text().length >= t.expected(60).length);
      assert.equal(t.text(), t.expected(60));
      assert.equal(t.blobs.reads, 60, 'each body read once');
      assert.ok(t.blobs.peak > 4, `reads overlap (at most ${t.blobs.peak} at once)`);
      assert.ok(t.blobs.peak <= 16, `at most 16 reads at once, saw ${t.blobs.peak}`);
      await t.blobs.settled();
    } finally {
      t.close();
    }
  });

  it('fails on a lost body in its turn, after every message before it was written whole, and leaves no read behind', async () => {
    const t = await setup(30);
    try {
      t.blobs.failing.add(t.blobKeys[9]!);
      await assert.rejects(t.fetch(), BlobNotFoundError);
      await t.until(() => t.text().length >= t.expected(9).length);
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(t.text(), t.expected(9), 'messages 1-9 whole, nothing of message 10');
      assert.ok(!t.server.destroyed, 'the connection stays up: the session answers NO, as for any failed read');
      await t.blobs.settled();
      assert.ok(t.blobs.reads <= 10 + 15, 'reads after the failure stop at the window');
    } finally {
      t.close();
    }
  });

  it('ends the connection when a streamed body fails after its literal was announced', async () => {
    const t = await setup(8);
    try {
      // message 7 is past the inline limit: it streams, and this stream breaks after its first bytes
      const broken = t.blobKeys[6]!;
      const getRange = t.blobs.getRange.bind(t.blobs);
      t.blobs.getRange = async (key, start, end) => {
        if (key !== broken) return getRange(key, start, end);
        return Readable.from(
          (async function* () {
            yield Buffer.from('Subject: m7');
            throw new Error('S3 connection reset');
          })(),
        );
      };
      await assert.rejects(t.fetch(), /S3 connection reset/);
      assert.ok(t.server.destroyed, 'no tagged reply can follow a literal cut short');
      await t.until(() => t.client.destroyed || t.client.readableEnded);
    } finally {
      t.close();
    }
  });

  it('stops the reads in flight when the client hangs up, even those the blob store has not answered, and starts no more', async () => {
    const t = await setup(60);
    try {
      t.blobs.hold();
      const run = t.fetch();
      // the first 16 messages but the large 7th, which would stream in its turn
      await t.until(() => t.blobs.reads === 15);
      t.client.destroy();
      // the FETCH ends while its reads are still unanswered: it does not wait for a slow blob store
      await assert.rejects(run, ConnectionClosedError);
      t.blobs.release();
      await t.blobs.settled();
      assert.equal(t.blobs.aborted, 15, 'every stream that arrived late was destroyed unread');
      assert.equal(t.blobs.reads, 15, 'nothing read after the hang-up');
    } finally {
      t.close();
    }
  });
});
