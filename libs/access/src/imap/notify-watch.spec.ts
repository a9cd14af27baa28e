import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { MailboxInfo } from '@mail/contracts';
import { parseCommand, type NotifyGroup } from '@mail/imap-protocol';
import type { MailboxChangedEvent, MetadataChangedEvent } from '../ports/change-feed.port.js';
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
  /** followed owners now (subscribed and not yet unsubscribed) */
  const following = new Map<string, number>();
  const metadata: string[] = [];
  let acl = 0;
  let wakes = 0;
  const h: NotifyHost = {
    accountId: ME,
    selectedId: () => undefined,
    list: async () => ({ mailboxes: [...mailboxes], subscriptions: new Set(subscriptions) }),
    status: async (name) => {
      const m = mailboxes.find((x) => x.name === name);
      if (!m) throw new Error('NOT_FOUND');
      return m;
    },
    subscribeOwner: async (owner) => {
      owners.push(owner);
      following.set(owner, (following.get(owner) ?? 0) + 1);
      return { unsubscribe: async () => void following.set(owner, (following.get(owner) ?? 0) - 1) };
    },
    subscribeSubscriptions: async () => ({ unsubscribe: async () => undefined }),
    subscribeMetadata: async (accountId) => {
      metadata.push(accountId);
      return { unsubscribe: async () => undefined };
    },
    subscribeAcl: async () => {
      acl++;
      return { unsubscribe: async () => void acl-- };
    },
    wake: () => void wakes++,
    utf8: false,
  };
  return { h, owners, following, metadata, acl: () => acl, wakes: () => wakes };
}

function metadataEvent(accountId: string, m: MailboxInfo | null, entries: string[], mailbox = m?.name ?? ''): MetadataChangedEvent {
  return { accountId, mailboxId: m?.id ?? null, mailbox, entries };
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

  it('MailboxMetadataChange and ServerMetadataChange (RFC 5465 5.7-5.8): entry names, and of a shared mailbox only /shared ones with l and r', async () => {
    const team = info('Shared/o@x/Team', { owner: OWNER, rights: 'lr' });
    const board = info('Shared/o@x/Board', { owner: OWNER, rights: 'l' });
    const inbox = info('INBOX');
    const { h, metadata } = host([inbox, team, board]);
    const w = new NotifyWatch(h, groups('(personal (MailboxMetadataChange ServerMetadataChange)) (subtree Shared (MailboxMetadataChange))'));
    await w.start(false);
    assert.deepEqual(metadata.sort(), [ME, OWNER].sort());
    w.onMetadata(metadataEvent(ME, inbox, ['/private/comment', '/shared/comment']));
    w.onMetadata(metadataEvent(ME, null, ['/shared/admin']));
    w.onMetadata(metadataEvent(OWNER, null, ['/shared/theirs']));
    w.onMetadata(metadataEvent(OWNER, team, ['/private/mine', '/shared/topic'], 'Team'));
    w.onMetadata(metadataEvent(OWNER, team, ['/private/only'], 'Team'));
    w.onMetadata(metadataEvent(OWNER, board, ['/shared/topic'], 'Board'));
    w.onMetadata(metadataEvent(OWNER, info('Shared/o@x/Hidden'), ['/shared/topic'], 'Hidden'));
    assert.equal(await w.drain(), '* METADATA INBOX /private/comment /shared/comment\r\n* METADATA "" /shared/admin\r\n* METADATA Shared/o@x/Team /shared/topic\r\n');
    await w.stop();
    // not asked: no subscription, nothing told
    const other = host([inbox]);
    const quiet = new NotifyWatch(other.h, groups('(personal (MailboxName))'));
    await quiet.start(false);
    assert.deepEqual(other.metadata, []);
    quiet.onMetadata(metadataEvent(ME, inbox, ['/shared/comment']));
    assert.equal(quiet.hasQueued, false);
    await quiet.stop();
  });

  it('a mailbox shared after NOTIFY SET is watched, an unshared one forgotten, without a new SET (ADR 0072)', async () => {
    const OTHER = randomUUID();
    const team = info('Shared/o@x/Team', { owner: OWNER, rights: 'lr' });
    const later = info('Shared/p@x/Later', { owner: OTHER, rights: 'lr' });
    const mailboxes = [info('INBOX'), team];
    const { h, following, acl } = host(mailboxes);
    const w = new NotifyWatch(h, groups('(subtree Shared (MessageNew MessageExpunge MailboxName))'));
    await w.start(false);
    assert.equal(acl(), 1);
    assert.equal(following.get(OWNER), 1);
    w.onEvent(event(later, 'appended', OTHER, 'Later'));
    assert.equal(w.hasQueued, false);
    // another grantee's change, or a change of the user's own mailbox: nothing to re-list
    mailboxes.push(later);
    w.onAcl({ tenant: 'x', ownerId: OTHER, mailboxId: later.id, granteeId: randomUUID() });
    w.onAcl({ tenant: 'x', ownerId: ME, mailboxId: randomUUID(), granteeId: null });
    await w.settled();
    assert.equal(w.hasQueued, false);
    // shared with the user: LIST, then its changes are told
    w.onAcl({ tenant: 'x', ownerId: OTHER, mailboxId: later.id, granteeId: ME });
    await w.settled();
    assert.equal(following.get(OTHER), 1);
    w.onEvent(event(later, 'appended', OTHER, 'Later'));
    assert.equal(await w.drain(), '* LIST () "/" Shared/p@x/Later\r\n* STATUS Shared/p@x/Later (MESSAGES 2 UIDNEXT 3 UIDVALIDITY 7)\r\n');
    // unshared (through `anyone`): \NonExistent, the owner no longer followed, its changes dropped
    mailboxes.splice(mailboxes.indexOf(team), 1);
    w.onAcl({ tenant: 'x', ownerId: OWNER, mailboxId: team.id, granteeId: null });
    await w.settled();
    assert.equal(following.get(OWNER), 0);
    w.onEvent(event(team, 'appended', OWNER, 'Team'));
    assert.equal(await w.drain(), '* LIST (\\NonExistent) "/" Shared/o@x/Team\r\n');
    await w.stop();
    assert.equal(acl(), 0);
    assert.equal(following.get(OTHER), 0);
  });
});
