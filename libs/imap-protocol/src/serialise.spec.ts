import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serializeBodyStructure, serializeEnvelope, type ImapBodyPart } from './body-structure.js';
import { formatDateTime, parseDateTime } from './date-time.js';
import { decodeMailboxName, encodeMailboxName } from './mailbox-name.js';
import { astring, imapString, mailboxName, tagged } from './response.js';
import { applyPartial, filterHeaderFields, findPart, planSection } from './sections.js';
import { compressSequenceSet, resolveSequenceSet } from './sequence-set.js';

function part(over: Partial<ImapBodyPart>): ImapBodyPart {
  return {
    type: 'text', subtype: 'plain', params: [], id: null, description: null, encoding: '7bit', size: 0, lines: 0, md5: null,
    disposition: null, language: null, location: null, headerStart: 0, bodyStart: 0, bodyEnd: 0, ...over,
  };
}

describe('serialisers', () => {
  it('quotes or literals strings as needed', () => {
    assert.equal(imapString('a "b" \\c'), '"a \\"b\\" \\\\c"');
    assert.equal(imapString('line\r\nbreak'), '{11}\r\nline\r\nbreak');
    assert.equal(imapString('é'), '{2}\r\né');
    assert.equal(astring('INBOX'), 'INBOX');
    assert.equal(astring('NIL'), '"NIL"');
    assert.equal(astring('a b'), '"a b"');
    assert.equal(mailboxName('Entwürfe'), 'Entw&APw-rfe');
    assert.equal(tagged('a', 'NO', 'x\r\ny', 'TRYCREATE'), 'a NO [TRYCREATE] x y\r\n');
  });

  it('round-trips modified UTF-7 names', () => {
    for (const name of ['INBOX', 'A & B', 'Entwürfe', '日本語', 'x😀y']) assert.equal(decodeMailboxName(encodeMailboxName(name)), name);
    assert.equal(decodeMailboxName('&Jjo-!'), '☺!');
    assert.equal(decodeMailboxName('bad&***-'), 'bad&***-');
  });

  it('compresses and resolves sequence sets', () => {
    assert.equal(compressSequenceSet([5, 1, 2, 3, 9, 10, 3]), '1:3,5,9:10');
    assert.equal(compressSequenceSet([4, 5, 1, 2], true), '4:5,1:2');
    assert.deepEqual(resolveSequenceSet([{ start: 5, end: '*' }, { start: 1, end: 2 }, { start: 99, end: 99 }], 7), [[1, 2], [5, 7]]);
    assert.deepEqual(resolveSequenceSet([{ start: '*', end: 3 }], 2), [[2, 2]]);
    assert.deepEqual(resolveSequenceSet([{ start: 1, end: '*' }], 0), []);
  });

  it('formats and parses dates', () => {
    assert.equal(formatDateTime(new Date('2026-11-03T02:04:05Z')), '03-Nov-2026 02:04:05 +0000');
    assert.equal(parseDateTime('17-Jul-1996 02:44:25 -0700')?.toISOString(), '1996-07-17T09:44:25.000Z');
    assert.equal(parseDateTime('32-Jul-1996 02:44:25 -0700'), null);
  });

  it('serialises ENVELOPE with defaults for Sender and Reply-To', () => {
    const env = serializeEnvelope({
      date: 'Mon, 7 Feb 1994 21:52:25 -0800', subject: 'Hi "there"', from: [{ name: 'Bob', adl: null, mailbox: 'bob', host: 'example.com' }],
      sender: null, replyTo: null, to: [{ name: null, adl: null, mailbox: 'al', host: 'x.org' }], cc: null, bcc: [], inReplyTo: null, messageId: '<1@x>',
    });
    assert.equal(
      env,
      '("Mon, 7 Feb 1994 21:52:25 -0800" "Hi \\"there\\"" (("Bob" NIL "bob" "example.com")) (("Bob" NIL "bob" "example.com")) (("Bob" NIL "bob" "example.com")) ((NIL NIL "al" "x.org")) NIL NIL NIL "<1@x>")',
    );
  });

  it('serialises BODYSTRUCTURE and BODY of a multipart', () => {
    const mp = part({
      type: 'multipart', subtype: 'mixed', params: [['boundary', 'zz']], lines: null,
      parts: [
        part({ params: [['charset', 'utf-8']], size: 10, lines: 1 }),
        part({ type: 'application', subtype: 'pdf', encoding: 'base64', size: 100, lines: null, disposition: { type: 'attachment', params: [['filename', 'a.pdf']] } }),
      ],
    });
    assert.equal(
      serializeBodyStructure(mp, true),
      '(("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 10 1 NIL NIL NIL NIL)("application" "pdf" NIL NIL NIL "base64" 100 NIL ("attachment" ("filename" "a.pdf")) NIL NIL) "mixed" ("boundary" "zz") NIL NIL NIL)',
    );
    assert.equal(serializeBodyStructure(mp, false), '(("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 10 1)("application" "pdf" NIL NIL NIL "base64" 100) "mixed")');
  });

  it('plans sections over byte offsets', () => {
    const inner = part({ headerStart: 200, bodyStart: 230, bodyEnd: 260 });
    const root = part({
      type: 'multipart', subtype: 'mixed', headerStart: 0, bodyStart: 50, bodyEnd: 300,
      parts: [
        part({ headerStart: 60, bodyStart: 80, bodyEnd: 120 }),
        part({ type: 'message', subtype: 'rfc822', headerStart: 150, bodyStart: 200, bodyEnd: 260, message: { envelope: { date: null, subject: null, from: null, sender: null, replyTo: null, to: null, cc: null, bcc: null, inReplyTo: null, messageId: null }, body: inner } }),
      ],
    });
    const msg = { size: 300, headerSize: 50, body: root };
    const sec = (part: number[], text: null | 'HEADER' | 'TEXT' | 'MIME') => planSection({ part, text, fields: [] }, msg);
    assert.deepEqual(sec([], null), { kind: 'range', start: 0, end: 300 });
    assert.deepEqual(sec([], 'HEADER'), { kind: 'range', start: 0, end: 50 });
    assert.deepEqual(sec([], 'TEXT'), { kind: 'range', start: 50, end: 300 });
    assert.deepEqual(sec([1], null), { kind: 'range', start: 80, end: 120 });
    assert.deepEqual(sec([1], 'MIME'), { kind: 'range', start: 60, end: 80 });
    assert.deepEqual(sec([2], 'HEADER'), { kind: 'range', start: 200, end: 230 });
    assert.deepEqual(sec([2], 'TEXT'), { kind: 'range', start: 230, end: 260 });
    assert.deepEqual(sec([2, 1], null), { kind: 'range', start: 230, end: 260 });
    assert.deepEqual(sec([3], null), { kind: 'empty' });
    assert.deepEqual(sec([1], 'HEADER'), { kind: 'empty' });
    assert.equal(findPart(part({ bodyStart: 5 }), [1])?.bodyStart, 5);
    assert.deepEqual(applyPartial(10, 20, { start: 5, length: 100 }), { start: 15, end: 20 });
    assert.deepEqual(applyPartial(10, 20, { start: 50, length: 1 }), { start: 20, end: 20 });
  });

  it('filters header fields keeping folded lines', () => {
    const header = Buffer.from('From: a\r\nSubject: one\r\n two\r\nTo: b\r\n\r\n');
    assert.equal(filterHeaderFields(header, ['subject', 'TO'], false).toString(), 'Subject: one\r\n two\r\nTo: b\r\n\r\n');
    assert.equal(filterHeaderFields(header, ['subject'], true).toString(), 'From: a\r\nTo: b\r\n\r\n');
    assert.equal(filterHeaderFields(Buffer.from('X: 1'), ['x'], false).toString(), 'X: 1\r\n\r\n');
  });
});
