import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planFolders, type LocalMailbox, type RemoteFolder } from './folder-plan.js';

const LOCAL: LocalMailbox[] = [
  { name: 'INBOX', specialUse: null },
  { name: 'Drafts', specialUse: '\\Drafts' },
  { name: 'Sent', specialUse: '\\Sent' },
  { name: 'Trash', specialUse: '\\Trash' },
  { name: 'Junk', specialUse: '\\Junk' },
  { name: 'Archive', specialUse: '\\Archive' },
];

const f = (path: string, flags: string[] = [], delimiter: string | null = '/'): RemoteFolder => ({ path, delimiter, flags });
const pairs = (plan: ReturnType<typeof planFolders>) => plan.copy.map((e) => `${e.remotePath} -> ${e.localName}${e.specialUse ? ` ${e.specialUse}` : ''}`);

describe('planFolders', () => {
  it('maps Exchange names without SPECIAL-USE, with their sub-folders', () => {
    const plan = planFolders([f('INBOX'), f('Sent Items'), f('Sent Items/2019'), f('Deleted Items'), f('Junk E-mail'), f('Drafts'), f('Projects'), f('Projects/Alpha')], LOCAL);
    assert.deepEqual(pairs(plan), [
      'INBOX -> INBOX',
      'Drafts -> Drafts \\Drafts',
      'Junk E-mail -> Junk \\Junk',
      'Projects -> Projects',
      'Projects/Alpha -> Projects/Alpha',
      'Sent Items -> Sent \\Sent',
      'Sent Items/2019 -> Sent/2019',
      'Deleted Items -> Trash \\Trash',
    ]);
  });

  it("maps Gmail's folders and skips the virtual ones", () => {
    const plan = planFolders(
      [
        f('INBOX'),
        f('[Gmail]', ['\\Noselect', '\\HasChildren']),
        f('[Gmail]/All Mail', ['\\All']),
        f('[Gmail]/Sent Mail', ['\\Sent']),
        f('[Gmail]/Spam', ['\\Junk']),
        f('[Gmail]/Starred', ['\\Flagged']),
        f('[Gmail]/Important', ['\\Important']),
        f('[Gmail]/Bin', ['\\Trash']),
        f('Receipts'),
      ],
      LOCAL,
    );
    assert.deepEqual(pairs(plan), ['INBOX -> INBOX', '[Gmail]/Spam -> Junk \\Junk', 'Receipts -> Receipts', '[Gmail]/Sent Mail -> Sent \\Sent', '[Gmail]/Bin -> Trash \\Trash']);
    assert.deepEqual(
      plan.skipped.map((s) => s.remotePath),
      ['[Gmail]/All Mail', '[Gmail]/Starred', '[Gmail]/Important'],
    );
  });

  it('drops a Courier-style personal prefix and converts the "." delimiter', () => {
    const plan = planFolders([f('INBOX', [], '.'), f('INBOX.Sent', [], '.'), f('INBOX.Lists', [], '.'), f('INBOX.Lists.node', [], '.'), f('INBOX.a/b', [], '.')], LOCAL, { personalPrefix: 'INBOX.' });
    assert.deepEqual(pairs(plan), ['INBOX -> INBOX', 'INBOX.Lists -> Lists', 'INBOX.Lists.node -> Lists/node', 'INBOX.Sent -> Sent \\Sent', 'INBOX.a/b -> a_b']);
  });

  it('prefers the attribute over a name, and maps into the local folder of that use whatever its name', () => {
    const local = LOCAL.map((m) => (m.specialUse === '\\Sent' ? { ...m, name: 'Gesendet' } : m));
    const plan = planFolders([f('Sent'), f('Outbox copies', ['\\Sent'])], local);
    assert.deepEqual(pairs(plan), ['Outbox copies -> Gesendet \\Sent', 'Sent -> Sent']);
  });

  it('keeps names apart that only differ in replaced characters or case', () => {
    const plan = planFolders([f('a*b'), f('a%b'), f('inbox'), f('Work', [], null)], LOCAL);
    assert.deepEqual(pairs(plan), ['inbox -> INBOX', 'Work -> Work', 'a*b -> a_b', 'a%b -> a_b (2)']);
  });

  it('only recognises names at the top, under INBOX or a Gmail container', () => {
    const plan = planFolders([f('Clients/Trash'), f('INBOX/Spam')], LOCAL);
    assert.deepEqual(pairs(plan), ['Clients/Trash -> Clients/Trash', 'INBOX/Spam -> Junk \\Junk']);
  });
});
