import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseAppendPrefix, parseCommand } from './command-parser.js';
import { ImapParseError } from './errors.js';
import { badUrlCode, parseImapUrl } from './imap-url.js';

describe('CATENATE (RFC 4469) and IMAP URLs (RFC 5092)', () => {
  it('an APPEND with CATENATE is not a message-literal prefix: its TEXT literals stay in the command', () => {
    assert.equal(parseAppendPrefix(Buffer.from('a APPEND Drafts CATENATE (TEXT ')), null);
    assert.equal(parseAppendPrefix(Buffer.from('a APPEND Drafts (\\Draft) "07-Mar-2015 14:36:05 +0100" CATENATE (TEXT ')), null);
    assert.deepEqual(parseAppendPrefix(Buffer.from('a APPEND Drafts (\\Draft) ')), { tag: 'a', mailbox: 'Drafts', flags: ['\\Draft'], date: null });
  });

  it('parses the parts in order (RFC 4469 5 example, adapted)', () => {
    const cmd = parseCommand(Buffer.from('A003 APPEND Drafts (\\Seen \\Draft) CATENATE (URL "/Drafts;UIDVALIDITY=385759045/;UID=20/;section=HEADER" TEXT {4}\r\n\r\nhi URL "/Drafts;UIDVALIDITY=385759045/;UID=20/;section=1.MIME")'));
    assert.equal(cmd.name, 'APPEND');
    if (cmd.name !== 'APPEND') return;
    assert.deepEqual(cmd.flags, ['\\Seen', '\\Draft']);
    assert.deepEqual(
      cmd.parts.map((p) => (p.kind === 'text' ? p.data.toString() : p.url)),
      ['/Drafts;UIDVALIDITY=385759045/;UID=20/;section=HEADER', '\r\nhi', '/Drafts;UIDVALIDITY=385759045/;UID=20/;section=1.MIME'],
    );
    for (const bad of ['a APPEND x CATENATE ()', 'a APPEND x CATENATE (TEXT "quoted")', 'a APPEND x CATENATE (URL)', 'a APPEND x CATENATE (FOO "/x")', 'a APPEND x CATENATE (URL "/x/;UID=1") CATENATE (URL "/x/;UID=2")', 'a APPEND x']) {
      assert.throws(() => parseCommand(Buffer.from(bad)), ImapParseError, bad);
    }
  });

  it('reads message URLs: absolute paths and imap:// with a user, sections, partials', () => {
    assert.deepEqual(parseImapUrl('/Drafts;UIDVALIDITY=385759045/;UID=20/;section=HEADER'), {
      user: null,
      mailbox: 'Drafts',
      uidValidity: 385759045,
      uid: 20,
      section: { part: [], text: 'HEADER', fields: [] },
      partial: null,
    });
    assert.deepEqual(parseImapUrl('imap://joe%40example.com@mail.example.com/INBOX/Sub%20box/;UID=7/;SECTION=1.2.MIME/;PARTIAL=0.1024'), {
      user: 'joe@example.com',
      mailbox: 'INBOX/Sub box',
      uidValidity: null,
      uid: 7,
      section: { part: [1, 2], text: 'MIME', fields: [] },
      partial: { start: 0, length: 1024 },
    });
    assert.equal(parseImapUrl('imap://joe@example.com@host/INBOX/;UID=1')?.user, 'joe@example.com');
    assert.equal(parseImapUrl('/%C3%A9t%C3%A9/;UID=1')?.mailbox, 'été');
    for (const bad of ['INBOX/;UID=1', '/INBOX', '/INBOX/;UID=0', '/INBOX/;UID=x', '/INBOX;UIDVALIDITY=0/;UID=1', '/INBOX/;SECTION=1/;UID=2', '/INBOX/;UID=1/;SECTION=1.FOO', '/INBOX/;UID=1/;PARTIAL=1.0', '/INBOX/;UID=1/;URLAUTH=anonymous', '/%ZZ/;UID=1', '//host/INBOX/;UID=1', 'imap://host']) {
      assert.equal(parseImapUrl(bad), null, bad);
    }
  });

  it('BADURL names the URL as sent, without what would end the response code', () => {
    assert.equal(badUrlCode('/INBOX;UIDVALIDITY=785799047/;UID=113330/;section=1.5.9'), 'BADURL /INBOX;UIDVALIDITY=785799047/;UID=113330/;section=1.5.9');
    assert.equal(badUrlCode('/a]b\r\n'), 'BADURL /ab');
  });
});
