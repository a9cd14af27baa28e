import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FetchItem } from '@mail/imap-protocol';
import type { RequestOf } from '@mail/contracts';
import type * as C from '@mail/contracts';
import { FetchCommand } from './fetch-command.js';
import { FakeChangeFeed, FakeMailStore } from './imap-fakes.spec-helper.js';
import { MailboxView } from './mailbox-view.js';
import { MessageMetaCache } from './message-meta-cache.js';
import { SocketOutput } from './socket-output.js';
import { TrackingBlobStore } from '../tracking-blob-store.spec-helper.js';
import { socketPair } from './socket-pair.spec-helper.js';

const ACCOUNT = '44444444-4444-4444-8444-444444444444';
const LIST: FetchItem[] = [{ kind: 'FLAGS' }, { kind: 'ENVELOPE' }];

const raw = (i: number, subject = `m${i}`) => `Subject: ${subject}\r\nFrom: A <a${i}@example.com>\r\nMessage-ID: <m${i}@example.com>\r\n\r\nbody ${i}\r\n`;

/** a fake store that counts FETCH requests and the UIDs they name, a mailbox view, a socket pair */
async function setup() {
  const blobs = new TrackingBlobStore(4096);
  const store = new FakeMailStore(blobs, new FakeChangeFeed());
  const asked: RequestOf<typeof C.FetchMessages>[] = [];
  const fetchMessages = store.fetchMessages.bind(store);
  store.fetchMessages = async (req) => {
    asked.push(req);
    return fetchMessages(req);
  };
  const { server, client, received } = await socketPair();
  const open = async (name: string) => {
    const opened = await store.openMailbox({ accountId: ACCOUNT, name });
    const view = new MailboxView(opened.mailbox, true);
    view.load(opened.messages);
    return view;
  };
  /** FETCH 1:* of `items` on `view`, what it wrote */
  const fetch = async (view: MailboxView, cache: MessageMetaCache | undefined, items: FetchItem[] = LIST, downgrade = false) => {
    received.length = 0;
    const uids = [...Array(view.exists)].map((_, i) => view.uidAt(i + 1)!);
    await new FetchCommand({ store, blobs, out: new SocketOutput(server), accountId: ACCOUNT, view, downgrade, cache }).run({
      targets: uids.map((uid, i) => [i + 1, uid]),
      items: [...items],
      byUid: false,
    });
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    return Buffer.concat(received).toString('utf8');
  };
  const close = () => {
    client.destroy();
    server.destroy();
  };
  return { store, asked, open, fetch, close };
}

describe('MessageMetaCache and FETCH (ADR 0079)', () => {
  it('answers a message list as the store would, then from memory; asks only for the UIDs it lacks', async () => {
    const t = await setup();
    try {
      for (let i = 1; i <= 5; i++) await t.store.deliver(ACCOUNT, raw(i));
      let view = await t.open('INBOX');
      const uncached = await t.fetch(view, undefined);
      assert.equal(t.asked.length, 1);
      const cache = new MessageMetaCache(1 << 20);
      t.asked.length = 0;
      assert.equal(await t.fetch(view, cache), uncached, 'the first, filling, answer is the store path\'s');
      assert.equal(t.asked.length, 1);
      assert.deepEqual(await t.fetch(view, cache), uncached, 'the second, byte for byte');
      assert.equal(t.asked.length, 1, 'no store request');
      // sizes and internal dates too
      const more: FetchItem[] = [{ kind: 'UID' }, { kind: 'RFC822.SIZE' }, { kind: 'INTERNALDATE' }, { kind: 'ENVELOPE' }, { kind: 'FLAGS' }];
      const wide = await t.fetch(view, undefined, more);
      t.asked.length = 0;
      assert.equal(await t.fetch(view, cache, more), wide);
      assert.equal(t.asked.length, 0);

      await t.store.deliver(ACCOUNT, raw(6));
      view = await t.open('INBOX');
      const six = await t.fetch(view, cache);
      assert.equal(t.asked.length, 1);
      assert.deepEqual(t.asked[0]!.uids, [[6, 6]], 'only the new message');
      assert.equal(six, await t.fetch(view, undefined));
    } finally {
      t.close();
    }
  });

  it('keys by mailbox id: a mailbox deleted and created again under its name shows its own messages', async () => {
    const t = await setup();
    try {
      await t.store.createMailbox({ accountId: ACCOUNT, name: 'Box' });
      await t.store.deliver(ACCOUNT, raw(1, 'before'), { mailbox: 'Box' });
      const cache = new MessageMetaCache(1 << 20);
      assert.match(await t.fetch(await t.open('Box'), cache), /"before"/);
      await t.store.deleteMailbox({ accountId: ACCOUNT, name: 'Box' });
      await t.store.createMailbox({ accountId: ACCOUNT, name: 'Box' });
      await t.store.deliver(ACCOUNT, raw(1, 'after'), { mailbox: 'Box' });
      const view = await t.open('Box');
      assert.equal(view.uidAt(1), 1, 'the same UID again');
      const text = await t.fetch(view, cache);
      assert.match(text, /"after"/);
      assert.doesNotMatch(text, /"before"/);
    } finally {
      t.close();
    }
  });

  it('keeps the stored envelope and downgrades it for each 7-bit session as it is sent', async () => {
    const t = await setup();
    try {
      await t.store.deliver(ACCOUNT, raw(1, 'Grüße'));
      const view = await t.open('INBOX');
      const cache = new MessageMetaCache(1 << 20);
      const plain = await t.fetch(view, undefined, LIST, true);
      const utf8 = await t.fetch(view, undefined, LIST, false);
      assert.notEqual(plain, utf8);
      t.asked.length = 0;
      assert.equal(await t.fetch(view, cache, LIST, true), plain, 'filled by a 7-bit session');
      assert.equal(await t.fetch(view, cache, LIST, false), utf8, 'then read by a UTF-8 one');
      assert.equal(await t.fetch(view, cache, LIST, true), plain);
      assert.equal(t.asked.length, 1);
    } finally {
      t.close();
    }
  });

  it('stays within its bytes, the least recently used out first', () => {
    const meta = { envelope: 'x'.repeat(200), size: 1, internalDate: '2026-12-07T00:00:00.000Z' };
    const cache = new MessageMetaCache(2000);
    for (let uid = 1; uid <= 10; uid++) cache.set('mb', uid, meta);
    assert.ok(cache.usedBytes <= cache.maxBytes);
    const kept = cache.size;
    assert.ok(kept >= 5 && kept < 10, `kept ${kept}`);
    assert.ok(cache.get('mb', 10), 'the newest stays');
    assert.equal(cache.get('mb', 1), undefined, 'the oldest went');
    // a read makes an entry the most recent: it outlives one written before it
    const first = 10 - kept + 1;
    assert.ok(cache.get('mb', first));
    cache.set('mb', 11, meta);
    assert.ok(cache.get('mb', first), 'read, so kept');
    assert.equal(cache.get('mb', first + 1), undefined, 'not read, so out');
    // one entry larger than the whole cache is not kept at all
    cache.set('mb', 12, { ...meta, envelope: 'y'.repeat(5000) });
    assert.equal(cache.get('mb', 12), undefined);
    assert.ok(cache.usedBytes <= cache.maxBytes);
  });
});
