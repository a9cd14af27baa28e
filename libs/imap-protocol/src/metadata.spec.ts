import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCommand } from './command-parser.js';
import { ImapParseError } from './errors.js';
import { canonicalEntry, metadataChangeResponse, metadataResponse } from './metadata.js';

const parse = (s: string) => parseCommand(Buffer.from(s));

describe('METADATA (RFC 5464)', () => {
  it('accepts entry names under /private and /shared, lowercased, and refuses the rest', () => {
    assert.equal(canonicalEntry('/shared/Comment'), '/shared/comment');
    assert.equal(canonicalEntry('/private/vendor/vendor.dovecot/x'), '/private/vendor/vendor.dovecot/x');
    for (const bad of ['/shared', '/shared/', '/other/x', 'private/x', '/private//x', '/private/x/', '/private/a*', '/private/a%', '/private/a b', '/private/\u00e9', '/private/' + 'x'.repeat(300)]) {
      assert.equal(canonicalEntry(bad), null, bad);
    }
  });

  it('parses GETMETADATA and SETMETADATA as RFC 5464 writes them', () => {
    assert.deepEqual(parse('a GETMETADATA (MAXSIZE 1024 DEPTH infinity) "" (/shared/comment /private/comment)'), {
      tag: 'a',
      name: 'GETMETADATA',
      options: { maxSize: 1024, depth: 'infinity' },
      mailbox: '',
      entries: ['/shared/comment', '/private/comment'],
    });
    assert.deepEqual(parse('a GETMETADATA INBOX /shared/comment'), { tag: 'a', name: 'GETMETADATA', options: { maxSize: null, depth: '0' }, mailbox: 'INBOX', entries: ['/shared/comment'] });
    assert.deepEqual(parse('a SETMETADATA INBOX (/private/comment {5}\r\nhello /shared/comment NIL)'), {
      tag: 'a',
      name: 'SETMETADATA',
      mailbox: 'INBOX',
      values: [['/private/comment', 'hello'], ['/shared/comment', null]],
    });
    for (const bad of ['a GETMETADATA (DEPTH 2) "" /shared/x', 'a GETMETADATA (FOO 1) "" /shared/x', 'a SETMETADATA INBOX (/shared/x)', 'a SETMETADATA INBOX ()', 'a GETMETADATA ""']) {
      assert.throws(() => parse(bad), ImapParseError, bad);
    }
  });

  it('answers METADATA byte for byte, values quoted, as literals or NIL', () => {
    assert.equal(metadataResponse('', [['/shared/comment', 'Shared comment']]), '* METADATA "" (/shared/comment "Shared comment")\r\n');
    assert.equal(metadataResponse('INBOX', [['/private/comment', 'a\r\nb'], ['/shared/x', null]]), '* METADATA INBOX (/private/comment {4}\r\na\r\nb /shared/x NIL)\r\n');
    // RFC 5464 4.4.2: the unsolicited form names entries only
    assert.equal(metadataChangeResponse('INBOX', ['/shared/comment', '/private/filters/values/small']), '* METADATA INBOX /shared/comment /private/filters/values/small\r\n');
    assert.equal(metadataChangeResponse('', ['/shared/admin']), '* METADATA "" /shared/admin\r\n');
    assert.equal(metadataChangeResponse('Shared/a b', ['/shared/x']), '* METADATA "Shared/a b" /shared/x\r\n');
  });
});
