import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InProcessBus } from '@mail/bus';
import { AppendMessage, ContractError, ListMailboxes } from '@mail/contracts';
import type { MailAppendModel, MailReadModel } from '../ports/mail-read-model.port.js';
import { DirectReadsMailStore } from './direct-reads-mail-store.js';

const ACCOUNT = '11111111-1111-4111-8111-111111111111';
const MAILBOX = '22222222-2222-4222-8222-222222222222';
const BLOB = 'b'.repeat(32);
const appendRequest = { accountId: ACCOUNT, mailbox: 'INBOX', blobKey: BLOB, size: 10 };
const appended = { mailboxId: MAILBOX, uid: 7, uidValidity: 1, modseq: 9, duplicate: false };
const quietLogger = { error: () => undefined } as never;

/** a read model whose every method fails the test: these cases are about what is not a read */
const reads = new Proxy({}, { get: () => () => Promise.reject(new Error('no read expected')) }) as MailReadModel;

describe('DirectReadsMailStore', () => {
  it('runs APPEND, STORE and EXPUNGE in this process with the store code it was given, validated as over the bus (ADR 0063)', async () => {
    const bus = new InProcessBus({ service: 'test' });
    const seen: unknown[] = [];
    const appends: MailAppendModel = {
      appendMessage: async (p) => {
        seen.push(p);
        if (p.mailbox === 'Gone') throw new ContractError('NOT_FOUND', 'no mailbox "Gone"');
        if (p.mailbox === 'Broken') throw new Error('connection lost');
        return appended;
      },
      appendAll: async () => ({ results: [appended] }),
      updateFlags: async (p) => {
        seen.push(p);
        return { updated: [{ uid: 7, modseq: 10, flags: ['\\Seen'] }], conflicts: [] };
      },
      expungeMessages: async (p) => {
        seen.push(p);
        return { expunged: [7], highestModseq: 11 };
      },
    };
    try {
      // nothing answers on the bus: a request that went there would fail
      const store = new DirectReadsMailStore(bus, reads, quietLogger, appends);
      assert.equal(store.appendsCommitWithBodies, true);
      assert.deepEqual(await store.appendMessage(appendRequest), appended);
      // the contract's defaults are applied, as the store's handler sees them
      assert.deepEqual(seen[0], AppendMessage.request.parse(appendRequest));
      assert.deepEqual(await store.appendAll({ accountId: ACCOUNT, mailbox: 'INBOX', messages: [{ blobKey: BLOB, size: 10 }] }), { results: [appended] });
      await assert.rejects(store.appendMessage({ ...appendRequest, mailbox: 'Gone' }), (err: unknown) => err instanceof ContractError && err.code === 'NOT_FOUND');
      await assert.rejects(store.appendMessage({ ...appendRequest, mailbox: 'Broken' }), (err: unknown) => err instanceof ContractError && err.code === 'INTERNAL');
      // a request the contract refuses never reaches the store's code
      await assert.rejects(store.appendMessage({ ...appendRequest, blobKey: 'no spaces allowed' }), (err: unknown) => err instanceof ContractError && err.code === 'INVALID');
      await assert.rejects(store.appendMessage({ ...appendRequest, size: -1 }), (err: unknown) => err instanceof ContractError && err.code === 'INVALID');
      assert.equal(seen.length, 3);
      // STORE and EXPUNGE run here too (ADR 0074), validated the same way
      assert.deepEqual(await store.updateFlags({ accountId: ACCOUNT, mailboxId: MAILBOX, uids: [[7, 7]], mode: 'add', flags: ['\\Seen'] }), {
        updated: [{ uid: 7, modseq: 10, flags: ['\\Seen'] }],
        conflicts: [],
      });
      assert.deepEqual(await store.expungeMessages({ accountId: ACCOUNT, mailboxId: MAILBOX, uids: [[7, 7]], onlyDeleted: true }), { expunged: [7], highestModseq: 11 });
      await assert.rejects(store.updateFlags({ accountId: ACCOUNT, mailboxId: 'not a uuid', uids: [[7, 7]], mode: 'add', flags: [] }), (err: unknown) => err instanceof ContractError && err.code === 'INVALID');
      assert.equal(seen.length, 5);
    } finally {
      await bus.close();
    }
  });

  it('sends appends to the store over the bus when they are not composed here', async () => {
    const bus = new InProcessBus({ service: 'test' });
    let overBus = 0;
    try {
      await bus.handle(AppendMessage, async () => {
        overBus++;
        return appended;
      });
      await bus.handle(ListMailboxes, async () => ({ mailboxes: [] }));
      const store = new DirectReadsMailStore(bus, reads, quietLogger);
      assert.equal(store.appendsCommitWithBodies, false);
      assert.deepEqual(await store.appendMessage(appendRequest), appended);
      assert.equal(overBus, 1);
    } finally {
      await bus.close();
    }
  });
});
