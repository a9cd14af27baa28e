import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommand } from './command-parser.js';
import { ImapParseError } from './errors.js';
import { badEventCode, mailboxNameResponse, notificationOverflowResponse } from './notify.js';

function notify(line: string) {
  const cmd = parseCommand(Buffer.from(line));
  assert.equal(cmd.name, 'NOTIFY');
  if (cmd.name !== 'NOTIFY') throw new Error('not NOTIFY');
  return cmd.notify;
}

describe('NOTIFY (RFC 5465) parser', () => {
  it('parses the RFC 5465 section 8 examples', () => {
    const rfc = notify('a NOTIFY SET STATUS (selected (MessageNew (uid body.peek[header.fields (from to subject)]) MessageExpunge)) (subtree Lists (MessageNew MessageExpunge))');
    assert.ok(rfc.set);
    if (!rfc.set) return;
    assert.equal(rfc.status, true);
    assert.deepEqual(rfc.groups[0]!.filter, { kind: 'selected' });
    assert.deepEqual(rfc.groups[0]!.events.map((e) => [e.name, e.fetch?.map((f) => f.kind)]), [['MessageNew', ['UID', 'BODY[]']], ['MessageExpunge', undefined]]);
    assert.deepEqual(rfc.groups[1], { filter: { kind: 'subtree', mailboxes: ['Lists'] }, events: [{ name: 'MessageNew' }, { name: 'MessageExpunge' }] });
    assert.deepEqual(notify('a notify none'), { set: false });
    const two = notify('a NOTIFY SET (selected (MessageNew (uid flags) MessageExpunge FlagChange)) (personal (MailboxName SubscriptionChange)) (mailboxes (INBOX "Sent Items") NONE)');
    assert.ok(two.set);
    if (!two.set) return;
    assert.equal(two.status, false);
    assert.deepEqual(
      two.groups.map((g) => [g.filter.kind, g.events.map((e) => e.name)]),
      [
        ['selected', ['MessageNew', 'MessageExpunge', 'FlagChange']],
        ['personal', ['MailboxName', 'SubscriptionChange']],
        ['mailboxes', []],
      ],
    );
    assert.deepEqual(two.groups[2]!.filter, { kind: 'mailboxes', mailboxes: ['INBOX', 'Sent Items'] });
  });

  it('keeps event names case-insensitively canonical and unknown ones as written, for BADEVENT', () => {
    const n = notify('a NOTIFY SET (inboxes (messagenew MESSAGEEXPUNGE)) (personal (XFoo))');
    assert.ok(n.set);
    if (!n.set) return;
    assert.deepEqual(n.groups[0]!.events, [{ name: 'MessageNew' }, { name: 'MessageExpunge' }]);
    assert.deepEqual(n.groups[1]!.events, [{ name: 'XFoo' }]);
  });

  it('refuses what the grammar or RFC 5465 section 5 forbids, and hostile input', () => {
    const bad = [
      'a NOTIFY',
      'a NOTIFY SET',
      'a NOTIFY SET ',
      'a NOTIFY NONE extra',
      'a NOTIFY RESET (personal (MailboxName))',
      'a NOTIFY SET (personal)',
      'a NOTIFY SET (personal ())',
      'a NOTIFY SET (personal (MailboxName)',
      'a NOTIFY SET (personal (MailboxName)) ',
      'a NOTIFY SET (personal (MailboxName))(inboxes (MailboxName))',
      'a NOTIFY SET (nowhere (MailboxName))',
      'a NOTIFY SET (subtree (MailboxName))',
      'a NOTIFY SET (mailboxes () (MailboxName))',
      'a NOTIFY SET (personal (MessageNew))',
      'a NOTIFY SET (personal (MessageExpunge))',
      'a NOTIFY SET (personal (FlagChange))',
      'a NOTIFY SET (personal (MessageExpunge AnnotationChange))',
      'a NOTIFY SET (personal (MessageNew (uid) MessageExpunge))',
      'a NOTIFY SET (selected (MessageNew (nonsense) MessageExpunge))',
      'a NOTIFY SET (selected (MessageNew (uid MessageExpunge))',
      'a NOTIFY SET (selected (MailboxName MailboxName))',
      'a NOTIFY SET (selected (MessageNew MessageExpunge)) (selected-delayed (MessageNew MessageExpunge))',
      'a NOTIFY SET STATUS',
      'a NOTIFY SET (personal (MailboxName)) \u0000',
      'a NOTIFY SET ' + '(personal (MailboxName)) '.repeat(30).trim(),
      'a NOTIFY SET (personal (' + Array.from({ length: 30 }, (_, i) => `X${i}`).join(' ') + '))',
      'a NOTIFY SET (mailboxes (' + 'a '.repeat(200).trim() + ') (MailboxName))',
      'a NOTIFY SET (' + '('.repeat(5000),
      'a NOTIFY SET (personal (MailboxName {5}\r\nab',
    ];
    for (const line of bad) assert.throws(() => parseCommand(Buffer.from(line)), ImapParseError, JSON.stringify(line.slice(0, 80)));
  });

  it('builds BADEVENT, NOTIFICATIONOVERFLOW and the MailboxName LIST responses byte for byte', () => {
    assert.equal(badEventCode(['MessageNew', 'MessageExpunge']), 'BADEVENT (MessageNew MessageExpunge)');
    assert.equal(notificationOverflowResponse(), '* OK [NOTIFICATIONOVERFLOW] Too many notifications; NOTIFY is off\r\n');
    assert.equal(mailboxNameResponse(['\\HasNoChildren'], '/', 'Lists/new', null), '* LIST (\\HasNoChildren) "/" Lists/new\r\n');
    assert.equal(mailboxNameResponse(['\\NonExistent'], '/', 'Gone', null), '* LIST (\\NonExistent) "/" Gone\r\n');
    assert.equal(mailboxNameResponse([], '/', 'Neu', 'Alt'), '* LIST () "/" Neu ("OLDNAME" (Alt))\r\n');
    assert.equal(mailboxNameResponse([], '/', 'Grüße', 'Old', true), '* LIST () "/" "Grüße" ("OLDNAME" (Old))\r\n');
    assert.equal(mailboxNameResponse([], '/', 'Grüße', 'Old'), '* LIST () "/" Gr&APwA3w-e ("OLDNAME" (Old))\r\n');
  });
});
