import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aclResponse, listRightsResponse, myRightsResponse } from './acl-responses.js';
import { parseCommand } from './command-parser.js';
import { ImapParseError } from './errors.js';
import { ALL_RIGHTS, InvalidRightsError, applyRights, canWrite, canonicalRights, displayRights, hasRights, listableRights, parseRightsModification } from './acl-rights.js';

const parse = (line: string) => parseCommand(Buffer.from(line));

describe('RFC 4314 rights', () => {
  it('keeps rights canonical: once each, in lrswipkxtea order', () => {
    assert.equal(canonicalRights('aetxkpiwsrl'), ALL_RIGHTS);
    assert.equal(canonicalRights('rrrllr'), 'lr');
    assert.equal(canonicalRights(''), '');
  });

  it('maps the obsolete c to k+x and d to e+t (RFC 4314 2.1.1), and shows them back', () => {
    assert.equal(canonicalRights('c'), 'kx');
    assert.equal(canonicalRights('d'), 'te');
    assert.equal(canonicalRights('lrswicda'), 'lrswikxtea');
    assert.equal(displayRights('lrk'), 'lrkc');
    assert.equal(displayRights('lre'), 'lred');
    assert.equal(displayRights('lrswipkxtea'), 'lrswipkxteacd');
    assert.equal(displayRights('lr'), 'lr');
  });

  it('parses SETACL modifications', () => {
    assert.deepEqual(parseRightsModification('+cda'), { mode: 'add', rights: 'kxtea' });
    assert.deepEqual(parseRightsModification('-wt'), { mode: 'remove', rights: 'wt' });
    assert.deepEqual(parseRightsModification(''), { mode: 'replace', rights: '' });
    assert.deepEqual(parseRightsModification('+'), { mode: 'add', rights: '' });
  });

  it('refuses what is not a right, never ignoring it (RFC 4314 3.1)', () => {
    for (const bad of ['lrQswicda', 'lrqswicda', 'l r', '++l', '+-l', 'l+', 'lr\u00e9', 'lr\u0000', 'lr\r\n', '\u{1F600}', 'x'.repeat(65), '*', '%', 'L']) {
      assert.throws(() => parseRightsModification(bad), InvalidRightsError, JSON.stringify(bad));
    }
    assert.throws(() => parseRightsModification('lrQ'), /uppercase rights are not allowed/);
    assert.throws(() => parseRightsModification('lrq'), /the q right is not supported/);
  });

  it('applies modifications', () => {
    assert.equal(applyRights('lrs', { mode: 'add', rights: 'wi' }), 'lrswi');
    assert.equal(applyRights('lrswi', { mode: 'remove', rights: 'sw' }), 'lri');
    assert.equal(applyRights('lrswi', { mode: 'replace', rights: 'l' }), 'l');
    assert.equal(applyRights('', { mode: 'remove', rights: 'a' }), '');
  });

  it('says what a session may do', () => {
    assert.ok(hasRights('lrs', 'lr'));
    assert.ok(!hasRights('lrs', 'i'));
    assert.ok(!canWrite('lr'));
    assert.ok(!canWrite('lrip'));
    assert.ok(canWrite('lrs'));
    assert.deepEqual(listableRights(true), { required: ALL_RIGHTS, optional: [] });
    assert.equal(listableRights(false).required, '');
  });
});

describe('RFC 4314 responses', () => {
  it('writes responses byte for byte', () => {
    assert.equal(aclResponse('INBOX', [{ identifier: 'fred@example.com', rights: 'lrswipkxtea' }, { identifier: 'anyone', rights: 'lr' }]), '* ACL INBOX fred@example.com lrswipkxteacd anyone lr\r\n');
    assert.equal(aclResponse('Saved mail', [{ identifier: 'Jane Doe', rights: '' }]), '* ACL "Saved mail" "Jane Doe" ""\r\n');
    assert.equal(listRightsResponse('INBOX', 'smith', '', ['l', 'r']), '* LISTRIGHTS INBOX smith "" l r\r\n');
    assert.equal(listRightsResponse('INBOX', 'me@x', 'lrswipkxtea', []), '* LISTRIGHTS INBOX me@x lrswipkxtea\r\n');
    assert.equal(myRightsResponse('Shared/a@x/Team', 'lrs'), '* MYRIGHTS Shared/a@x/Team lrs\r\n');
    assert.equal(myRightsResponse('Caf\u00e9', 'lrswite'), '* MYRIGHTS Caf&AOk- lrswited\r\n');
  });
});

describe('RFC 4314 commands', () => {
  it('parses the RFC 4314 section 3 examples', () => {
    assert.deepEqual(parse('A002 SETACL INBOX/Drafts Chris +cda'), { tag: 'A002', name: 'SETACL', mailbox: 'INBOX/Drafts', identifier: 'Chris', rights: { mode: 'add', rights: 'kxtea' } });
    assert.deepEqual(parse('A003 SETACL "Saved mail" "Jane Doe" -wt').name, 'SETACL');
    assert.deepEqual(parse('A004 SETACL INBOX Fred ""'), { tag: 'A004', name: 'SETACL', mailbox: 'INBOX', identifier: 'Fred', rights: { mode: 'replace', rights: '' } });
    assert.deepEqual(parse('A002 DELETEACL INBOX/Drafts Chris'), { tag: 'A002', name: 'DELETEACL', mailbox: 'INBOX/Drafts', identifier: 'Chris' });
    assert.deepEqual(parse('A002 GETACL INBOX'), { tag: 'A002', name: 'GETACL', mailbox: 'INBOX' });
    assert.deepEqual(parse('a001 LISTRIGHTS ~/Mail/saved smith'), { tag: 'a001', name: 'LISTRIGHTS', mailbox: '~/Mail/saved', identifier: 'smith' });
    assert.deepEqual(parse('A003 MYRIGHTS INBOX'), { tag: 'A003', name: 'MYRIGHTS', mailbox: 'INBOX' });
  });

  it('answers bad arguments with a tagged BAD', () => {
    for (const [line, message] of [
      ['A035 SETACL INBOX/Drafts John lrQswicda', /Uppercase rights are not allowed/],
      ['A036 SETACL INBOX/Drafts John lrqswicda', /The q right is not supported/],
      ['A SETACL INBOX John', /missing argument|expected a space/],
      ['A GETACL', /missing argument|expected a space/],
      ['A GETACL INBOX extra', /unexpected characters/],
      ['A MYRIGHTS INBOX x', /unexpected characters/],
      ['A DELETEACL INBOX', /missing argument|expected a space/],
      ['A SETACL INBOX John (lr)', /./],
    ] as const) {
      assert.throws(
        () => parse(line),
        (err: unknown) => err instanceof ImapParseError && err.tag === line.split(' ')[0] && message.test(err.message),
        line,
      );
    }
  });
});
