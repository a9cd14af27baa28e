import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { MailboxInfo } from '@mail/contracts';
import { parseCommand, type NotifyGroup } from '@mail/imap-protocol';
import type { MailboxChangedEvent } from '../ports/change-feed.port.js';
import { MAX_QUEUED, NotifyWatch, matches, type NotifyHost } from './notify-watch.js';

const ME = randomUUID();
const OWNER = randomUUID();

function info(name: string, extra: Partial<MailboxInfo> = {}): MailboxInfo {
  return { id: randomUUID(), name, specialUse: null, subscribed: false, uidValidity: 7, uidNext: 3, highestModseq: 9, messages: 2, unseen: 1, sizeBytes: 10, ...extra };
}

function groups(line: string): NotifyGroup[] {
  const cmd = parseCommand(Buffer.from(`a NOTIFY SET ${line}`));
  if (cmd.name !== 'NOTIFY' || !cmd.notify.set) throw new Error('not NOTIFY SET');
  return cmd.notify.groups;
}

function host(mailboxes: MailboxInfo[], subscriptions: string[] = []) {
  const owners: string[] = [];
  let wakes = 0;
  const h: NotifyHost = {
    accountId: ME,
    selectedId: () => undefined,
    list: async () => ({ mailboxes, subscriptions: new Set(subscriptions) }),
    status: async (name) => {
      const m = mailboxes.find((x) => x.name === name);
      if (!m) throw new Error('NOT_FOUND');
      return m;
    },
    subscribeOwner: async (owner) => {
      owners.push(owner);
      return { unsubscribe: async () => undefined };
    },
    subscribeSubscriptions: async () => ({ unsubscribe: async () => undefined }),
    wake: () => void wakes++,
    utf8: false,
  };
  return { h, owners, wakes: () => wakes };
}

function event(m: MailboxInfo, kind: MailboxChangedEvent['kind'], accountId = ME, mailbox = m.name): MailboxChangedEvent {
  return { accountId, mailboxId: m.id, mailbox, kind, uids: [], modseq: 10 };
}

describe('NotifyWatch (RFC 5465 filters and events, ADR 0064)', () => {
  it('matches the filters of RFC 5465 6', () => {
    const subs = new Set(['Lists/a']);
    assert.equal(matches({ kind: 'inboxes' }, 'INBOX', true, subs), true);
    assert.equal(matches({ kind: 'inboxes' }, 'Shared/x/INBOX', false, subs), false);
    assert.equal(matches({ kind: 'personal' }, 'Lists', true, subs), true);
    assert.equal(matches({ kind: 'personal' }, 'Shared/x/Team', false, subs), false);
    assert.equal(matches({ kind: 'subscribed' }, 'Lists/a', true, subs), true);
    assert.equal(matches({ kind: 'subtree', mailboxes: ['Lists'] }, 'Lists', true, subs), true);
    assert.equal(matches({ kind: 'subtree', mailboxes: ['Lists'] }, 'Lists/a/b', true, subs), true);
    assert.equal(matches({ kind: 'subtree', mailboxes: ['Lists'] }, 'Listserv', true, subs), false);
    assert.equal(matches({ kind: 'mailboxes', mailboxes: ['Lists'] }, 'Lists/a', true, subs), false);
    assert.equal(matches({ kind: 'selected' }, 'INBOX', true, subs), false);
  });

  it('initial STATUS only for readable mailboxes with message events; HIGHESTMODSEQ with FlagChange', async () => {
    const team = info('Shared/o@x/Team', { owner: OWNER, rights: 'lr' });
    const listOnly = info('Shared/o@x/Board', { owner: OWNER, rights: 'l' });
    const { h, owners } = host([info('INBOX'), info('Lists'), team, listOnly]);
    const w = new NotifyWatch(h, groups('(personal (MessageNew MessageExpunge FlagChange)) (subtree Shared (MessageNew MessageExpunge))'));
    const text = await w.start(true);
    assert.equal(
      text,
      '* STATUS INBOX (MESSAGES 2 UIDNEXT 3 UIDVALIDITY 7 HIGHESTMODSEQ 9)\r\n* STATUS Lists (MESSAGES 2 UIDNEXT 3 UIDVALIDITY 7 HIGHESTMODSEQ 9)\r\n* STATUS Shared/o@x/Team (MESSAGES 2 UIDNEXT 3 UIDVALIDITY 7)\r\n',
    );
    assert.deepEqual(owners, [OWNER]);
    await w.stop();
  });

  it("never tells of another account's mailbox the user was not shown, nor one it may not read", async () => {
    const team = info('Shared/o@x/Team', { owner: OWNER, rights: 'lr' });
    const board = info('Shared/o@x/Board', { owner: OWNER, rights: 'l' });
    const { h } = host([team, board]);
    const w = new NotifyWatch(h, groups('(subtree Shared (MessageNew MessageExpunge MailboxName))'));
    await w.start(false);
    w.onEvent(event(info('Private'), 'appended', OWNER));
    w.onEvent(event(info('Shared/o@x/Private'), 'created', OWNER));
    w.onEvent(event(board, 'appended', OWNER, 'Board'));
    assert.equal(w.hasQueued, false);
    w.onEvent(event(team, 'appended', OWNER, 'Team'));
    w.onEvent(event(team, 'appended', OWNER, 'Team'));
    assert.equal(await w.drain(), '* STATUS Shared/o@x/Team (MESSAGES 2 UIDNEXT 3 UIDVALIDITY 7)\r\n');
    w.onEvent(event(team, 'renamed', OWNER, 'Crew'));
    assert.equal(await w.drain(), '* LIST () "/" Shared/o@x/Crew ("OLDNAME" (Shared/o@x/Team))\r\n');
    await w.stop();
  });

  it('own mailboxes: created later ones match a subtree; deleted and renamed ones are LIST responses', async () => {
    const { h } = host([info('INBOX')]);
    const w = new NotifyWatch(h, groups('(subtree Lists (MailboxName))'));
    await w.start(false);
    const m = info('Lists/new');
    w.onEvent(event(m, 'created'));
    w.onEvent({ ...event(m, 'renamed', ME, 'Lists/newer'), oldName: 'Lists/new' });
    w.onEvent(event(m, 'deleted', ME, 'Lists/newer'));
    w.onEvent(event(info('Other'), 'created'));
    assert.equal(await w.drain(), '* LIST () "/" Lists/new\r\n* LIST () "/" Lists/newer ("OLDNAME" (Lists/new))\r\n* LIST (\\NonExistent) "/" Lists/newer\r\n');
    await w.stop();
  });

  it(`overflows after ${MAX_QUEUED} waiting notifications: one NOTIFICATIONOVERFLOW, then nothing`, async () => {
    const { h } = host([]);
    const w = new NotifyWatch(h, groups('(personal (MailboxName))'));
    await w.start(false);
    for (let i = 0; i <= MAX_QUEUED; i++) w.onEvent(event(info(`Box${i}`), 'created'));
    assert.equal(w.ended, true);
    assert.equal(await w.drain(), '* OK [NOTIFICATIONOVERFLOW] Too many notifications; NOTIFY is off\r\n');
    w.onEvent(event(info('Late'), 'created'));
    assert.equal(w.hasQueued, false);
    assert.equal(await w.drain(), '');
  });
});
