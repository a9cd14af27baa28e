import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InProcessBus, type Bus } from '@mail/bus';
import {
  AppendAll,
  AppendMessage,
  ContractError,
  CopyMessages,
  CreateMailbox,
  DeleteMailbox,
  ExpungeMessages,
  FetchMessages,
  GetAccountUsage,
  GetMetadata,
  ListMailboxes,
  MailboxChanged,
  MailboxChanges,
  MailboxStatus,
  MessageSortKeys,
  OpenMailbox,
  RenameMailbox,
  SearchMessages,
  SetMetadata,
  SubscribeMailbox,
  UpdateFlags,
  VanishedMessages,
  VerifyLogin,
  type RequestContract,
} from '@mail/contracts';
import type { MailStorePort } from '../ports/mail-store.port.js';
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

  it('sends each store method to its own contract, the slow ones with the long timeout', async () => {
    const sent: Array<{ subject: string; timeoutMs?: number }> = [];
    const recorder = {
      request: async (c: RequestContract, _payload: unknown, opts?: { timeoutMs?: number }) => {
        sent.push({ subject: c.subject, timeoutMs: opts?.timeoutMs });
        return {};
      },
    } as unknown as Bus;
    const store = new BusMailStore(recorder);
    const expected: Array<[keyof MailStorePort, RequestContract, boolean]> = [
      ['listMailboxes', ListMailboxes, false],
      ['createMailbox', CreateMailbox, false],
      ['deleteMailbox', DeleteMailbox, true],
      ['renameMailbox', RenameMailbox, false],
      ['subscribeMailbox', SubscribeMailbox, false],
      ['mailboxStatus', MailboxStatus, false],
      ['openMailbox', OpenMailbox, false],
      ['mailboxChanges', MailboxChanges, false],
      ['fetchMessages', FetchMessages, false],
      ['appendAll', AppendAll, true],
      ['messageSortKeys', MessageSortKeys, true],
      ['searchMessages', SearchMessages, true],
      ['updateFlags', UpdateFlags, false],
      ['expungeMessages', ExpungeMessages, true],
      ['copyMessages', CopyMessages, true],
      ['getMetadata', GetMetadata, false],
      ['setMetadata', SetMetadata, false],
      ['vanishedMessages', VanishedMessages, false],
      ['appendMessage', AppendMessage, true],
      ['accountUsage', GetAccountUsage, false],
    ];
    for (const [method, contract, slow] of expected) {
      sent.length = 0;
      await (store[method] as (req: unknown) => Promise<unknown>)({});
      assert.deepEqual(sent, [{ subject: contract.subject, timeoutMs: slow ? 60_000 : undefined }], method);
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
