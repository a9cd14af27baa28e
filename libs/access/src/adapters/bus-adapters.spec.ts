import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InProcessBus } from '@mail/bus';
import { ContractError, ListMailboxes, MailboxChanged, VerifyLogin } from '@mail/contracts';
import type { MailboxChangedEvent } from '../ports/change-feed.port.js';
import { BusAuth } from './bus-auth.js';
import { BusChangeFeed } from './bus-change-feed.js';
import { BusMailStore } from './bus-mail-store.js';

const ACCOUNT = '11111111-1111-4111-8111-111111111111';
const MAILBOX = '22222222-2222-4222-8222-222222222222';

describe('bus adapters', () => {
  it('calls the store and auth contracts and carries their errors', async () => {
    const bus = new InProcessBus({ service: 'test' });
    try {
      await bus.handle(ListMailboxes, async ({ accountId }) => {
        if (accountId !== ACCOUNT) throw new ContractError('NOT_FOUND', 'no account');
        return { mailboxes: [] };
      });
      await bus.handle(VerifyLogin, async (p) => (p.password === 'pw' ? { ok: true as const, accountId: ACCOUNT, address: p.username } : { ok: false as const, reason: 'invalid' as const }));
      const store = new BusMailStore(bus);
      assert.deepEqual(await store.listMailboxes({ accountId: ACCOUNT }), { mailboxes: [] });
      await assert.rejects(store.listMailboxes({ accountId: MAILBOX }), (err: unknown) => err instanceof ContractError && err.code === 'NOT_FOUND');
      const auth = new BusAuth(bus);
      assert.deepEqual(await auth.verifyLogin({ username: 'a@example.com', password: 'pw', protocol: 'imap' }), { ok: true, accountId: ACCOUNT, address: 'a@example.com' });
      assert.equal((await auth.verifyLogin({ username: 'a@example.com', password: 'x', protocol: 'imap' })).ok, false);
    } finally {
      await bus.close();
    }
  });

  it('shares one bus subscription per account between sessions', async () => {
    const bus = new InProcessBus({ service: 'test' });
    try {
      const feed = new BusChangeFeed(bus);
      const seen: string[] = [];
      const wait = (n: number) =>
        new Promise<void>((resolve) => {
          const check = () => (seen.length >= n ? resolve() : setImmediate(check));
          check();
        });
      const s1 = await feed.subscribe(ACCOUNT, (e: MailboxChangedEvent) => seen.push(`1:${e.kind}`));
      const s2 = await feed.subscribe(ACCOUNT, (e: MailboxChangedEvent) => seen.push(`2:${e.kind}`));
      const event = { accountId: ACCOUNT, mailboxId: MAILBOX, mailbox: 'INBOX', kind: 'appended' as const, uids: [1], modseq: 2 };
      await bus.publish(MailboxChanged, event, ACCOUNT);
      await wait(2);
      assert.deepEqual(seen.sort(), ['1:appended', '2:appended']);
      await s1.unsubscribe();
      await bus.publish(MailboxChanged, { ...event, kind: 'flags' }, ACCOUNT);
      await wait(3);
      assert.deepEqual(seen.slice(2), ['2:flags']);
      await s2.unsubscribe();
      await s2.unsubscribe();
    } finally {
      await bus.close();
    }
  });
});
