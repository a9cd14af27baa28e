import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MailboxChanges, OpenMailbox, RequestOf, ResponseOf } from '@mail/contracts';
import { createLogger } from '@mail/telemetry';
import type { MailboxChangedEvent } from '../ports/change-feed.port.js';
import { SelectedMailbox, type MailboxSource } from './selected-mailbox.js';

const MAILBOX_ID = '11111111-1111-4111-8111-111111111111';
const ACCOUNT_ID = '22222222-2222-4222-8222-222222222222';
const logger = createLogger('selected-mailbox-spec', 'silent');

type Changes = ResponseOf<typeof MailboxChanges>;

/** A store holding one mailbox in pages of `pageSize`, and a queue of answers to MailboxChanges. */
function source(uids: number[], pageSize = 1000, highestModseq = 10) {
  const answers: (Changes | Error)[] = [];
  const asked: RequestOf<typeof MailboxChanges>[] = [];
  const opened: number[] = [];
  const vanished: { uids: [number, number][]; complete: boolean } = { uids: [], complete: true };
  const src: MailboxSource = {
    async vanishedMessages() {
      return vanished;
    },
    async openMailbox(req: RequestOf<typeof OpenMailbox>): Promise<ResponseOf<typeof OpenMailbox>> {
      opened.push(req.afterUid ?? 0);
      const rest = uids.filter((u) => u > (req.afterUid ?? 0));
      const page = rest.slice(0, pageSize);
      return {
        mailbox: { id: MAILBOX_ID, name: 'INBOX', specialUse: null, subscribed: true, uidValidity: 7, uidNext: 100, highestModseq, messages: uids.length, unseen: uids.filter((u) => u !== 5).length, sizeBytes: 0 },
        messages: page.map((uid) => ({ uid, modseq: 1, flags: uid === 5 ? ['\\Seen', 'work'] : [] })),
        more: rest.length > page.length,
      };
    },
    async mailboxChanges(req) {
      asked.push(req);
      const next = answers.shift();
      if (!next) throw new Error('unexpected MailboxChanges');
      if (next instanceof Error) throw next;
      return next;
    },
  };
  return { src, answers, asked, opened, vanished, uids };
}

function event(over: Partial<MailboxChangedEvent>): MailboxChangedEvent {
  return { accountId: ACCOUNT_ID, mailboxId: MAILBOX_ID, mailbox: 'INBOX', kind: 'flags', uids: [], modseq: 11, ...over };
}

describe('SelectedMailbox', () => {
  it('opens page by page and describes the mailbox for SELECT', async () => {
    const s = source([3, 5, 9], 2);
    const m = await SelectedMailbox.open(s.src, ACCOUNT_ID, 'INBOX', false, logger);
    assert.deepEqual(s.opened, [0, 5]);
    assert.equal(m.view.exists, 3);
    assert.equal(
      m.selectResponses(),
      '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft work)\r\n' +
        '* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft work \\*)] Flags permitted\r\n' +
        '* 3 EXISTS\r\n* 0 RECENT\r\n* OK [UNSEEN 1] First unseen\r\n* OK [UIDVALIDITY 7] UIDs valid\r\n* OK [UIDNEXT 100] Predicted next UID\r\n* OK [HIGHESTMODSEQ 10] Highest\r\n' +
        `* OK [MAILBOXID (F${MAILBOX_ID.replace(/-/g, '')})] Ok\r\n`,
    );
  });

  it('notes only changes of its own mailbox that the view has not seen; an expunge of a message the view holds always counts', async () => {
    const m = await SelectedMailbox.open(source([3, 5]).src, ACCOUNT_ID, 'INBOX', false, logger);
    assert.equal(m.noteChange(event({ mailboxId: '33333333-3333-4333-8333-333333333333' })), false);
    assert.equal(m.noteChange(event({ modseq: 9 })), false);
    assert.equal(m.noteChange(event({ modseq: 9, kind: 'expunged', uids: [4] })), false, 'not in the view: nothing owed');
    assert.equal(m.hasPending, false);
    assert.equal(m.noteChange(event({ modseq: 9, kind: 'expunged', uids: [5] })), true);
    assert.equal(m.hasPending, true);
  });

  it('an event that arrives while the store answers stays pending only when the answer did not cover it', async () => {
    const s = source([3, 5]);
    const m = await SelectedMailbox.open(s.src, ACCOUNT_ID, 'INBOX', false, logger);
    m.noteChange(event({ modseq: 11 }));
    const answer = (announced: number, highestModseq: number) => {
      const ask = s.src.mailboxChanges;
      s.src.mailboxChanges = async () => {
        // the event of a change arrives while the store answers
        m.noteChange(event({ modseq: announced, kind: 'appended' }));
        s.src.mailboxChanges = ask;
        return { changed: [{ uid: highestModseq + 18, modseq: highestModseq, flags: [] }], expunged: [], highestModseq, uidNext: highestModseq + 19 };
      };
    };
    answer(12, 12);
    assert.equal(await m.refresh(), '* 3 EXISTS\r\n');
    assert.equal(m.hasPending, false, 'the answer (modseq 12) holds the change the event announced');
    m.noteChange(event({ modseq: 13 }));
    answer(14, 13); // read before the change at 14 committed
    await m.refresh();
    assert.equal(m.hasPending, true);
  });

  it("follows its own STORE and EXPUNGE whose events came before their answers, and not across another session's change", async () => {
    const s = source([3, 5, 9]);
    const m = await SelectedMailbox.open(s.src, ACCOUNT_ID, 'INBOX', false, logger);
    // the store publishes, then replies: our STORE's event (11) is here first
    m.noteChange(event({ modseq: 11, uids: [3] }));
    m.view.setFlags(3, ['\\Seen'], 11);
    m.followOwn(11);
    assert.equal(m.hasPending, false);
    m.noteChange(event({ modseq: 12, kind: 'expunged', uids: [5] }));
    assert.equal(m.expunged([5], 12), '* 2 EXPUNGE\r\n');
    assert.equal(m.hasPending, false);
    assert.equal(m.view.modseq, 12);
    // another session's change took 13: ours at 14 does not follow, the store is asked
    m.noteChange(event({ modseq: 13, uids: [3] }));
    m.noteChange(event({ modseq: 14, kind: 'expunged', uids: [9] }));
    m.expunged([9], 14);
    assert.equal(m.view.modseq, 12);
    assert.equal(m.hasPending, true);
  });

  it('turns the store changes into EXPUNGE, EXISTS and FETCH FLAGS, in that order, sequence numbers counting earlier expunges', async () => {
    const s = source([3, 5, 9, 20]);
    const m = await SelectedMailbox.open(s.src, ACCOUNT_ID, 'INBOX', false, logger);
    m.noteChange(event({ modseq: 12 }));
    s.answers.push({ changed: [{ uid: 20, modseq: 12, flags: ['\\Flagged'] }, { uid: 30, modseq: 12, flags: [] }], expunged: [3, 9], highestModseq: 12, uidNext: 31 });
    assert.equal(await m.refresh(), '* 1 EXPUNGE\r\n* 2 EXPUNGE\r\n* 3 EXISTS\r\n* 2 FETCH (UID 20 FLAGS (\\Flagged))\r\n');
    assert.deepEqual(s.asked, [{ accountId: ACCOUNT_ID, mailboxId: MAILBOX_ID, sinceModseq: 10 }]);
    assert.equal(m.hasPending, false);
    assert.equal(m.view.modseq, 12);
    assert.deepEqual(m.select([{ start: 1, end: '*' }], false), [[1, 5], [2, 20], [3, 30]]);
  });

  it("applies other sessions' appends, STOREs and expunges from their events when they follow the view, as the store would answer", async () => {
    const s = source([3, 5, 9]);
    const m = await SelectedMailbox.open(s.src, ACCOUNT_ID, 'INBOX', false, logger);
    // out of order on the bus; 13 flags a message the chain itself added, 14 expunges another
    m.noteChange(event({ kind: 'flags', modseq: 12, uids: [5], changed: [{ uid: 5, modseq: 12, flags: ['\\Flagged', 'todo'] }] }));
    m.noteChange(event({ kind: 'appended', modseq: 11, uids: [100], appended: [{ uid: 100, modseq: 11, flags: [] }] }));
    m.noteChange(event({ kind: 'flags', modseq: 13, uids: [100], changed: [{ uid: 100, modseq: 13, flags: ['\\Seen'] }] }));
    m.noteChange(event({ kind: 'expunged', modseq: 14, uids: [3] }));
    assert.equal(
      await m.refresh(),
      '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft work todo)\r\n* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft work todo \\*)] Flags permitted\r\n' +
        '* 1 EXPUNGE\r\n* 3 EXISTS\r\n* 1 FETCH (UID 5 FLAGS (\\Flagged todo))\r\n',
    );
    assert.equal(s.asked.length, 0, 'no store request');
    assert.equal(m.hasPending, false);
    assert.equal(m.view.modseq, 14);
    assert.deepEqual(m.view.flagsOf(100), ['\\Seen']);
    assert.deepEqual(m.select([{ start: 1, end: '*' }], false), [[1, 5], [2, 9], [3, 100]]);
    // a gap (15 missing, 16 seen): the chain stops and the store is asked from where it stopped
    m.noteChange(event({ kind: 'expunged', modseq: 16, uids: [9] }));
    s.answers.push({ changed: [], expunged: [9], highestModseq: 16, uidNext: 101 });
    assert.equal(await m.refresh(), '* 2 EXPUNGE\r\n');
    assert.deepEqual(s.asked, [{ accountId: ACCOUNT_ID, mailboxId: MAILBOX_ID, sinceModseq: 14 }]);
    // a STORE event without its flags (an older store) is asked for too
    m.noteChange(event({ kind: 'flags', modseq: 17, uids: [5] }));
    s.answers.push({ changed: [{ uid: 5, modseq: 17, flags: [] }], expunged: [], highestModseq: 17, uidNext: 101 });
    assert.equal(await m.refresh(), '* 1 FETCH (UID 5 FLAGS ())\r\n');
    assert.equal(s.asked[1]!.sinceModseq, 16);
  });

  it("an own APPEND the view could not take (another change came first) joins the chain as its event would (ADR 0074)", async () => {
    const s = source([3]);
    const m = await SelectedMailbox.open(s.src, ACCOUNT_ID, 'INBOX', false, logger);
    m.noteChange(event({ kind: 'flags', modseq: 11, uids: [3], changed: [{ uid: 3, modseq: 11, flags: ['\\Seen'] }] }));
    // our APPEND took 12 before its event came back
    assert.equal(m.ownAppend({ uid: 100, modseq: 12, flags: [] }), '');
    assert.equal(m.hasPending, true);
    assert.equal(await m.refresh(), '* 2 EXISTS\r\n* 1 FETCH (UID 3 FLAGS (\\Seen))\r\n');
    assert.equal(s.asked.length, 0, 'the chain went through our own APPEND');
    // its own event, coming back later, is already in the view
    assert.equal(m.noteChange(event({ kind: 'appended', modseq: 12, uids: [100], appended: [{ uid: 100, modseq: 12, flags: [] }] })), false);
    // our COPY into the mailbox: no event describes it yet, the store is asked from the view
    m.markPending();
    s.answers.push({ changed: [{ uid: 101, modseq: 13, flags: [] }], expunged: [], highestModseq: 13, uidNext: 102 });
    assert.equal(await m.refresh(), '* 3 EXISTS\r\n');
    assert.equal(s.asked[0]!.sinceModseq, 12);
  });

  it("an own STORE and EXPUNGE behind another session's change join the chain; the event of an own EXPUNGE lists arrivals the view had not taken (ADR 0074)", async () => {
    const s = source([3, 5]);
    const m = await SelectedMailbox.open(s.src, ACCOUNT_ID, 'INBOX', false, logger);
    // another session appended 100 (\\Deleted) at 11; our STORE took 12, our EXPUNGE 13 (which removed 5 and 100)
    m.noteChange(event({ kind: 'appended', modseq: 11, uids: [100], appended: [{ uid: 100, modseq: 11, flags: ['\\Deleted'] }] }));
    m.view.setFlags(3, ['\\Flagged'], 12);
    m.followOwn(12, { kind: 'flags', uids: [3], changed: [{ uid: 3, modseq: 12, flags: ['\\Flagged'] }] });
    assert.equal(m.expunged([5, 100], 13), '* 2 EXPUNGE\r\n');
    assert.equal(await m.refresh(), '');
    assert.equal(s.asked.length, 0);
    assert.equal(m.view.modseq, 13);
    assert.equal(m.view.seqOf(100), 0, 'the arrival our EXPUNGE removed never shows');
    assert.deepEqual(m.view.flagsOf(3), ['\\Flagged']);
  });

  it("an IMAP4rev1 session asks for no \\Recent claim of arrivals an appender claimed on its event (ADR 0074)", async () => {
    const s = source([3]);
    const m = await SelectedMailbox.open(s.src, ACCOUNT_ID, 'INBOX', false, logger, 'claim');
    m.noteChange(event({ kind: 'appended', modseq: 11, uids: [100], appended: [{ uid: 100, modseq: 11, flags: [] }], recentUpTo: 100 }));
    assert.equal(await m.refresh(), '* 2 EXISTS\r\n* 0 RECENT\r\n');
    assert.equal(s.asked.length, 0);
    // a delivery nobody claimed: the store is asked for the claim, from after it
    m.noteChange(event({ kind: 'appended', modseq: 12, uids: [101], appended: [{ uid: 101, modseq: 12, flags: [] }] }));
    s.answers.push({ changed: [], expunged: [], highestModseq: 12, uidNext: 102, recent: { after: 100, upTo: 101 } });
    assert.equal(await m.refresh(), '* 3 EXISTS\r\n* 1 RECENT\r\n');
    assert.equal(s.asked[0]!.sinceModseq, 12);
  });

  it('an IMAP4rev1 session applies the events and asks the store only for the \\Recent claim of arrivals, from after them; later changes merge in', async () => {
    const s = source([3, 5]);
    const m = await SelectedMailbox.open(s.src, ACCOUNT_ID, 'INBOX', false, logger, 'claim');
    m.noteChange(event({ kind: 'appended', modseq: 11, uids: [100], appended: [{ uid: 100, modseq: 11, flags: [] }] }));
    m.noteChange(event({ kind: 'flags', modseq: 12, uids: [3], changed: [{ uid: 3, modseq: 12, flags: ['\\Seen'] }] }));
    // the store saw one more change after the events (13: 100 flagged) and the claim took nothing
    s.answers.push({ changed: [{ uid: 100, modseq: 13, flags: ['\\Flagged'] }], expunged: [], highestModseq: 13, uidNext: 101, recent: { after: 100, upTo: 100 } });
    assert.equal(await m.refresh(), '* 3 EXISTS\r\n* 0 RECENT\r\n* 1 FETCH (UID 3 FLAGS (\\Seen))\r\n');
    assert.deepEqual(s.asked, [{ accountId: ACCOUNT_ID, mailboxId: MAILBOX_ID, sinceModseq: 12, recent: 'claim' }]);
    assert.deepEqual(m.view.flagsOf(100), ['\\Flagged']);
    assert.equal(m.view.modseq, 13);
    // flags and expunges alone bring no arrival to claim: no request
    m.noteChange(event({ kind: 'expunged', modseq: 14, uids: [5] }));
    assert.equal(await m.refresh(), '* 2 EXPUNGE\r\n');
    assert.equal(s.asked.length, 1);
  });

  it('claims \\Recent with every refresh of an IMAP4rev1 session and says * n RECENT with arrivals', async () => {
    const s = source([3, 5]);
    const m = await SelectedMailbox.open(s.src, ACCOUNT_ID, 'INBOX', false, logger, 'claim');
    m.noteChange(event({ modseq: 11 }));
    s.answers.push({ changed: [{ uid: 30, modseq: 11, flags: [] }], expunged: [], highestModseq: 11, uidNext: 31, recent: { after: 20, upTo: 30 } });
    assert.equal(await m.refresh(), '* 3 EXISTS\r\n* 1 RECENT\r\n');
    assert.deepEqual(s.asked, [{ accountId: ACCOUNT_ID, mailboxId: MAILBOX_ID, sinceModseq: 10, recent: 'claim' }]);
    assert.deepEqual(m.view.flagsOf(30), ['\\Recent']);
    // own APPEND and IDLE arrivals go through the store too, for the claim
    assert.equal(m.ownAppend({ uid: 31, modseq: 12, flags: [] }), '');
    assert.equal(m.hasPending, true);
  });

  it('announces removals as VANISHED once QRESYNC is on, and finds forgotten expunges by listing the mailbox', async () => {
    const s = source([3, 5, 9, 20]);
    const m = await SelectedMailbox.open(s.src, ACCOUNT_ID, 'INBOX', false, logger);
    m.qresync = true;
    m.noteChange(event({ modseq: 12 }));
    s.answers.push({ changed: [], expunged: [3, 9], highestModseq: 12, uidNext: 100, vanishedFloor: 0 });
    assert.equal(await m.refresh(), '* VANISHED 3,9\r\n');
    assert.equal(m.expunged([5, 77]), '* VANISHED 5\r\n');
    // tombstones up to modseq 15 were pruned: the view (at 12) cannot trust the expunged list
    s.uids.splice(0, s.uids.length, 30);
    m.noteChange(event({ modseq: 16 }));
    s.answers.push({ changed: [{ uid: 30, modseq: 16, flags: [] }], expunged: [], highestModseq: 16, uidNext: 31, vanishedFloor: 15 });
    assert.equal(await m.refresh(), '* VANISHED 20\r\n* 1 EXISTS\r\n');
  });

  it('resynchronises a QRESYNC client: VANISHED (EARLIER) from the store, or every absent UID when the store forgot, then changed flags', async () => {
    const s = source([3, 5, 9, 20]);
    const m = await SelectedMailbox.open(s.src, ACCOUNT_ID, 'INBOX', false, logger);
    s.vanished.uids = [[4, 4], [6, 8]];
    assert.equal(await m.resynchronise(0, null), '* VANISHED (EARLIER) 4,6:8\r\n' + [3, 5, 9, 20].map((u, i) => `* ${i + 1} FETCH (UID ${u} FLAGS (${u === 5 ? '\\Seen work' : ''}) MODSEQ (1))\r\n`).join(''));
    s.vanished.complete = false;
    assert.equal(await m.resynchronise(1, [{ start: 1, end: 10 }]), '* VANISHED (EARLIER) 1:2,4,6:8,10\r\n');
    assert.equal(await m.vanishedEarlier(1, []), '');
  });

  it('announces a keyword in FLAGS and PERMANENTFLAGS before the first FETCH that shows it, once', async () => {
    const s = source([3, 5]);
    const m = await SelectedMailbox.open(s.src, ACCOUNT_ID, 'INBOX', false, logger);
    assert.equal(m.announceKeywords([['\\Seen', 'WORK']]), '', 'known at SELECT, whatever the case');
    m.noteChange(event({ modseq: 11 }));
    s.answers.push({ changed: [{ uid: 3, modseq: 11, flags: ['$Urgent'] }], expunged: [], highestModseq: 11, uidNext: 100 });
    assert.equal(
      await m.refresh(),
      '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft work $Urgent)\r\n' +
        '* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft work $Urgent \\*)] Flags permitted\r\n' +
        '* 1 FETCH (UID 3 FLAGS ($Urgent))\r\n',
    );
    assert.equal(m.announceKeywords([['$urgent']]), '');
    assert.match(m.ownAppend({ uid: 100, modseq: 12, flags: ['$Later'] }), /^\* FLAGS \(.*\$Later\)\r\n.*\r\n\* 3 EXISTS\r\n$/s);
  });

  it('a store that cannot answer leaves the client as it was', async () => {
    const s = source([3]);
    const m = await SelectedMailbox.open(s.src, ACCOUNT_ID, 'INBOX', false, logger);
    m.markPending();
    s.answers.push(new Error('store down'));
    assert.equal(await m.refresh(), '');
    assert.equal(m.view.exists, 1);
  });

  it('in IDLE takes arrivals from the event when they follow the view, and asks the store for the rest', async () => {
    const s = source([3]);
    const m = await SelectedMailbox.open(s.src, ACCOUNT_ID, 'INBOX', false, logger);
    const first = event({ kind: 'appended', modseq: 11, uids: [100], appended: [{ uid: 100, modseq: 11, flags: [] }] });
    m.noteChange(first);
    assert.equal(await m.catchUp(first), '* 2 EXISTS\r\n');
    assert.equal(s.asked.length, 0);
    // a flag change (modseq 12) was announced after the next arrival's event was built
    m.noteChange(event({ modseq: 12, uids: [3] }));
    const second = event({ kind: 'appended', modseq: 13, uids: [101], appended: [{ uid: 101, modseq: 13, flags: [] }] });
    m.noteChange(second);
    s.answers.push({ changed: [{ uid: 3, modseq: 12, flags: ['\\Seen'] }, { uid: 101, modseq: 13, flags: [] }], expunged: [], highestModseq: 13, uidNext: 102 });
    assert.equal(await m.catchUp(second), '* 3 EXISTS\r\n* 1 FETCH (UID 3 FLAGS (\\Seen))\r\n');
  });

  it('in IDLE an IMAP4rev1 session takes arrivals from the event and asks the store only for the \\Recent claim, from the MODSEQ after them', async () => {
    const s = source([3]);
    const m = await SelectedMailbox.open(s.src, ACCOUNT_ID, 'INBOX', false, logger, 'claim');
    const first = event({ kind: 'appended', modseq: 11, uids: [100], appended: [{ uid: 100, modseq: 11, flags: [] }] });
    m.noteChange(first);
    s.answers.push({ changed: [], expunged: [], highestModseq: 11, uidNext: 101, recent: { after: 20, upTo: 100 } });
    assert.equal(await m.catchUp(first), '* 2 EXISTS\r\n* 1 RECENT\r\n');
    assert.deepEqual(s.asked, [{ accountId: ACCOUNT_ID, mailboxId: MAILBOX_ID, sinceModseq: 11, recent: 'claim' }]);
    assert.deepEqual(m.view.flagsOf(100), ['\\Recent']);
    // another session claimed the next arrival first: EXISTS still comes with the (unchanged) RECENT count
    const second = event({ kind: 'appended', modseq: 12, uids: [101], appended: [{ uid: 101, modseq: 12, flags: [] }] });
    m.noteChange(second);
    s.answers.push({ changed: [], expunged: [], highestModseq: 12, uidNext: 102, recent: { after: 101, upTo: 101 } });
    assert.equal(await m.catchUp(second), '* 3 EXISTS\r\n* 1 RECENT\r\n');
    assert.equal(s.asked[1]!.sinceModseq, 12);
    assert.deepEqual(m.view.flagsOf(101), []);
    assert.equal(m.hasPending, false);
  });

  it("takes its session's own APPEND without the store unless more was announced beyond it", async () => {
    const s = source([3]);
    const m = await SelectedMailbox.open(s.src, ACCOUNT_ID, 'INBOX', false, logger);
    // our own event arrived before the APPEND's reply
    m.noteChange(event({ kind: 'appended', modseq: 11 }));
    assert.equal(m.ownAppend({ uid: 100, modseq: 11, flags: [] }), '* 2 EXISTS\r\n');
    assert.equal(m.hasPending, false);
    m.noteChange(event({ kind: 'appended', modseq: 13 }));
    assert.equal(m.ownAppend({ uid: 101, modseq: 12, flags: [] }), '* 3 EXISTS\r\n');
    assert.equal(m.hasPending, true);
    // an append the view cannot place (a gap) is left to the store
    assert.equal(m.ownAppend({ uid: 105, modseq: 20, flags: [] }), '');
    assert.equal(m.hasPending, true);
  });

  it('announces its own expunges with decreasing-safe sequence numbers', async () => {
    const m = await SelectedMailbox.open(source([3, 5, 9, 20]).src, ACCOUNT_ID, 'INBOX', false, logger);
    assert.equal(m.expunged([5, 9, 77]), '* 2 EXPUNGE\r\n* 2 EXPUNGE\r\n');
    assert.equal(m.expunged([5]), '');
    assert.equal(m.view.exists, 2);
  });
});
