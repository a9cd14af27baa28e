import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findPart } from './find-part.js';
import { indexMessageBuffer } from './message-indexer.js';
import { bodyOf, crlf } from './test-support.js';

const raw = crlf(`Content-Type: multipart/mixed; boundary=o

--o

part1
--o
Content-Type: multipart/alternative; boundary=i

--i

part2.1
--i

part2.2
--i--
--o
Content-Type: message/rfc822

Subject: inner
Content-Type: multipart/mixed; boundary=m

--m

part3.1
--m
Content-Type: message/rfc822

Subject: deepest

part3.2.1
--m--
--o--
`);
const idx = indexMessageBuffer(raw);

describe('findPart', () => {
  it('follows IMAP numbering through multiparts and messages', () => {
    const text = (path: number[]) => {
      const p = findPart(idx.body, path);
      return p ? bodyOf(raw, p) : null;
    };
    assert.equal(findPart(idx.body, []), idx.body);
    assert.equal(text([1]), 'part1');
    assert.equal(findPart(idx.body, [2])!.subtype, 'alternative');
    assert.equal(text([2, 1]), 'part2.1');
    assert.equal(text([2, 2]), 'part2.2');
    assert.equal(findPart(idx.body, [3])!.type, 'message');
    assert.equal(text([3, 1]), 'part3.1');
    assert.equal(findPart(idx.body, [3, 2])!.message!.envelope.subject, 'deepest');
    assert.equal(text([3, 2, 1]), 'part3.2.1');
  });

  it('rejects paths that lead nowhere', () => {
    for (const path of [[0], [4], [1, 1], [2, 3], [3, 3], [3, 2, 2], [3, 2, 1, 1], [1.5], [-1]]) {
      assert.equal(findPart(idx.body, path), null, JSON.stringify(path));
    }
  });

  it('treats a non-multipart body as its own part 1', () => {
    const single = crlf('Subject: x\n\nhello\n');
    const body = indexMessageBuffer(single).body;
    assert.equal(findPart(body, [1]), body);
    assert.equal(findPart(body, [2]), null);
  });
});
