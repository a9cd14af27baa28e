import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { indexMessageBuffer } from './message-indexer.js';
import { MimeScanner } from './mime-scanner.js';
import { TolerantIndexer } from './tolerant-indexer.js';

const crlf = (s: string) => Buffer.from(s.replace(/\r?\n/g, '\r\n'));
const feedAll = (raw: Buffer, step: number) => {
  const t = new TolerantIndexer();
  for (let i = 0; i < raw.length; i += step) t.feed(raw.subarray(i, i + step));
  return t.end();
};

describe('TolerantIndexer', () => {
  it('gives what the store would compute from the blob, in any chunking', () => {
    const raw = crlf('Subject: hi\nContent-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/plain\n\nhello\n--b\nContent-Type: text/html\n\n<p>hello</p>\n--b--\n');
    for (const step of [1, 7, 64, raw.length]) assert.deepEqual(feedAll(raw, step), indexMessageBuffer(raw));
  });

  it('gives nothing when its small text limit cut anything: the store then parses the blob with its own', () => {
    const long = crlf(`Subject: long\n\n${'word '.repeat(20_000)}\n`);
    assert.ok(indexMessageBuffer(long).text.length > 64 * 1024);
    assert.equal(feedAll(long, 4096), undefined);
    // markup-heavy HTML whose text is short but whose source is longer than the sink keeps
    const html = crlf(`Content-Type: text/html\n\n${'<span class="x"></span>'.repeat(20_000)}<p>end</p>\n`);
    assert.equal(feedAll(html, 4096), undefined);
  });
});

describe('MimeScanner.cutByLimits', () => {
  it('says whether kept header bytes or text were cut', () => {
    const scan = (raw: Buffer, opts: ConstructorParameters<typeof MimeScanner>[0]) => {
      const s = new MimeScanner(opts);
      s.write(raw);
      s.end();
      return s.cutByLimits;
    };
    const raw = crlf(`Subject: ${'s'.repeat(300)}\n\n${'t'.repeat(300)}\n`);
    assert.equal(scan(raw, {}), false);
    assert.equal(scan(raw, { maxTextChars: 100 }), true);
    assert.equal(scan(raw, { maxHeaderBytes: 100 }), true);
  });
});
