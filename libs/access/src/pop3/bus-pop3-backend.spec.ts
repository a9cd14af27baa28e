import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InProcessBus } from '@mail/bus';
import { ExpungeMessages, FetchMessages, ListMailboxes, VerifyLogin, type FetchedMessage, type MailboxInfo } from '@mail/contracts';
import { BusPop3Backend, toRanges } from './bus-pop3-backend.js';

const accountId = '11111111-1111-4111-8111-111111111111';
const inboxId = '33333333-3333-4333-8333-333333333333';

describe('toRanges', () => {
  it('merges sorted uids into inclusive ranges', () => {
    assert.deepEqual(toRanges([]), []);
    assert.deepEqual(toRanges([7, 1, 2, 3, 3, 9, 10]), [[1, 3], [7, 7], [9, 10]]);
  });
});

describe('BusPop3Backend', () => {
  it('verifies logins as pop3, pages INBOX metadata and expunges exact uids', async () => {
    const bus = new InProcessBus({ service: 'test' });
    try {
      const logins: unknown[] = [];
      await bus.handle(VerifyLogin, async (p) => {
        logins.push(p);
        return p.password === 'pw' ? { ok: true as const, accountId, address: 'a@example.com' } : { ok: false as const, reason: 'invalid' as const };
      });
      const uids = [2, 3, 5, 8, 13, 21, 34];
      const inbox: MailboxInfo = {
        id: inboxId, name: 'INBOX', specialUse: null, subscribed: true, uidValidity: 42, uidNext: 35,
        highestModseq: 9, messages: uids.length, unseen: 0, sizeBytes: 0,
      };
      await bus.handle(ListMailboxes, async () => ({ mailboxes: [{ ...inbox, id: '44444444-4444-4444-8444-444444444444', name: 'Sent', specialUse: '\\Sent' as const }, inbox] }));
      const fetches: [number, number][][] = [];
      await bus.handle(FetchMessages, async (p) => {
        fetches.push(p.uids);
        const [[from, to]] = p.uids as [[number, number]];
        const hits = uids.filter((u) => u >= from && u <= to);
        const page = hits.slice(0, 3);
        const messages: FetchedMessage[] = page.map((uid) => ({
          uid, modseq: 1, flags: [], size: uid * 100, internalDate: new Date().toISOString(), blobKey: `msg/${uid}`, headerSize: 10,
        }));
        return { messages, more: hits.length > page.length };
      });
      const expunges: unknown[] = [];
      await bus.handle(ExpungeMessages, async (p) => {
        expunges.push(p);
        return { expunged: [], highestModseq: 10 };
      });

      const backend = new BusPop3Backend(bus);
      assert.equal(await backend.verifyLogin('a@example.com', 'nope', '::ffff:127.0.0.1'), null);
      assert.deepEqual(await backend.verifyLogin('a@example.com', 'pw'), { accountId, address: 'a@example.com' });
      assert.deepEqual(logins[0], { username: 'a@example.com', password: 'nope', protocol: 'pop3', remoteAddress: '::ffff:127.0.0.1' });

      const maildrop = await backend.openMaildrop(accountId);
      assert.equal(maildrop.mailboxId, inboxId);
      assert.deepEqual(maildrop.messages.map((m) => m.uid), uids);
      assert.deepEqual(maildrop.messages[1], { uid: 3, size: 300, blobKey: 'msg/3', uidl: '42.3' });
      assert.deepEqual(fetches, [[[1, 34]], [[6, 34]], [[22, 34]]]);

      await backend.deleteMessages(accountId, inboxId, [8, 2, 3]);
      assert.deepEqual(expunges, [{ accountId, mailboxId: inboxId, uids: [[2, 3], [8, 8]], onlyDeleted: false }]);
    } finally {
      await bus.close();
    }
  });
});
