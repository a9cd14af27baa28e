import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { MessageIndexer, indexMessage, indexMessageBuffer } from './message-indexer.js';
import { crlf } from './test-support.js';

/** A multipart message whose base64 attachment is generated on the fly, never held whole. */
function hugeMessage(attachmentBytes: number): { stream: Readable; expectedAttachment: number; total: () => number } {
  const head = crlf(`From: big@example.com
Subject: huge
Content-Type: multipart/mixed; boundary=zz

--zz
Content-Type: text/plain

small text
--zz
Content-Type: application/octet-stream
Content-Transfer-Encoding: base64

`);
  const tail = crlf('\n--zz--\n');
  const line = Buffer.from('QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n');
  const block = Buffer.concat(Array.from({ length: 1024 }, () => line));
  const blocks = Math.ceil(attachmentBytes / block.length);
  let sent = 0;
  function* chunks() {
    yield head;
    sent += head.length;
    for (let i = 0; i < blocks; i++) {
      sent += block.length;
      yield block;
    }
    sent += tail.length;
    yield tail;
  }
  return {
    stream: Readable.from(chunks(), { objectMode: false }),
    expectedAttachment: blocks * block.length,
    total: () => sent,
  };
}

describe('MessageIndexer stream API', () => {
  it('indexes a 150 MB message with a base64 attachment in bounded memory', async () => {
    const before = process.memoryUsage().heapUsed;
    const msg = hugeMessage(150 * 1024 * 1024);
    const idx = await indexMessage(msg.stream);
    const grown = process.memoryUsage().heapUsed - before;
    assert.equal(idx.size, msg.total());
    const [text, attachment] = idx.body.parts!;
    assert.equal(text!.size, 10);
    assert.equal(attachment!.size, msg.expectedAttachment);
    assert.equal(attachment!.bodyEnd, idx.size - '\r\n--zz--\r\n'.length);
    assert.equal(idx.text, 'small text');
    // generous bound: the point is that 150 MB were not retained
    assert.ok(grown < 64 * 1024 * 1024, `heap grew by ${grown}`);
  });

  it('works as a pipe target and agrees with indexMessageBuffer', async () => {
    const raw = crlf('Subject: s\n\nhello\n');
    const indexer = new MessageIndexer();
    assert.throws(() => indexer.result);
    await new Promise<void>((resolve, reject) => {
      indexer.on('finish', resolve).on('error', reject);
      Readable.from([raw.subarray(0, 3), raw.subarray(3)]).pipe(indexer);
    });
    assert.deepEqual(indexer.result, indexMessageBuffer(raw));
  });

  it('propagates stream errors', async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error('boom'));
      },
    });
    await assert.rejects(indexMessage(failing), /boom/);
  });
});
