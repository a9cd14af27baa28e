import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FetchCommand } from './fetch-command.js';
import { FakeChangeFeed, FakeMailStore } from './imap-fakes.spec-helper.js';
import { MailboxView } from './mailbox-view.js';
import { SocketOutput } from './socket-output.js';
import { TrackingBlobStore } from '../tracking-blob-store.spec-helper.js';
import { socketPair } from './socket-pair.spec-helper.js';

const ACCOUNT = '44444444-4444-4444-8444-444444444444';

describe('FETCH BINARY (RFC 3516)', () => {
  it('sends decoded content with NUL bytes as a literal8, and its size', async () => {
    const blobs = new TrackingBlobStore(4096);
    const store = new FakeMailStore(blobs, new FakeChangeFeed());
    await store.deliver(ACCOUNT, 'Subject: b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECA2hp\r\n');
    const opened = await store.openMailbox({ accountId: ACCOUNT, name: 'INBOX' });
    const view = new MailboxView(opened.mailbox, true);
    view.load(opened.messages);
    const { server, client, received } = await socketPair();
    try {
      const section = { part: [1], text: null, fields: [] };
      await new FetchCommand({ store, blobs, out: new SocketOutput(server), accountId: ACCOUNT, view }).run({
        targets: [[1, opened.messages[0]!.uid]],
        items: [
          { kind: 'BODY[]', peek: true, section, partial: null, binary: 'content' },
          { kind: 'BODY[]', peek: true, section, partial: { start: 4, length: 10 }, binary: 'content' },
          { kind: 'BODY[]', peek: true, section, partial: null, binary: 'size' },
        ],
        byUid: false,
      });
      const expected = Buffer.concat([Buffer.from('* 1 FETCH (BINARY[1] ~{6}\r\n'), Buffer.from([0, 1, 2, 3]), Buffer.from('hi BINARY[1]<4> {2}\r\nhi BINARY.SIZE[1] 6)\r\n')]);
      for (let i = 0; i < 200 && Buffer.concat(received).length < expected.length; i++) await new Promise((r) => setTimeout(r, 5));
      assert.deepEqual(Buffer.concat(received), expected);
    } finally {
      client.destroy();
      server.destroy();
    }
  });
});
