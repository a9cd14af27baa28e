import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  AppendMessage,
  ContractError,
  CopyMessages,
  CreateMailbox,
  DeleteAcl,
  DeleteMailbox,
  ExpungeMessages,
  FetchMessages,
  GetMetadata,
  GetAcl,
  ListMailboxes,
  ListShares,
  MailboxChanged,
  MailboxStatus,
  MyRights,
  OpenMailbox,
  PurgeAccount,
  RenameMailbox,
  SearchMessages,
  SetAcl,
  SetMetadata,
  UpdateFlags,
  type EventOf,
} from '@mail/contracts';
import { freshPostgres, inMemoryPglite, rawMessage, startStore, type OpenedDatabase, type StoreHarness } from './store-test-harness.js';

const rejectsWith = (p: Promise<unknown>, code: string) => assert.rejects(p, (err: unknown) => err instanceof ContractError && err.code === code, code);

interface User {
  accountId: string;
  address: string;
  tenant: string;
}
const until = (done: () => boolean) => new Promise<void>((resolve) => {
  const check = () => (done() ? resolve() : setImmediate(check));
  check();
});
const user = (address: string): User => ({ accountId: randomUUID(), address, tenant: address.slice(address.indexOf('@') + 1) });

function aclSuite(name: string, open: () => Promise<OpenedDatabase>) {
  describe(`mailbox sharing in the store (${name}, ADR 0044)`, () => {
    let h: StoreHarness;
    before(async () => {
      h = await startStore(await open());
    });
    after(async () => h?.close());

    const tag = randomUUID().slice(0, 8);
    const owner = user(`owner-${tag}@a.example`);
    const delegate = user(`delegate-${tag}@a.example`);
    const colleague = user(`colleague-${tag}@a.example`);
    const stranger = user(`stranger-${tag}@b.example`);
    const shared = `Shared/${owner.address}/Team`;
    const grantee = (u: User) => ({ kind: 'account' as const, accountId: u.accountId, address: u.address, tenant: u.tenant });
    const append = async (u: User, mailbox: string, flags: string[] = []) => {
      const raw = rawMessage({ subject: `to ${mailbox}` });
      const blobKey = await h.put(raw);
      return h.bus.request(AppendMessage, { accountId: u.accountId, tenant: u.tenant, mailbox, blobKey, size: Buffer.byteLength(raw), flags });
    };
    const names = async (u: User) => (await h.bus.request(ListMailboxes, { accountId: u.accountId, tenant: u.tenant })).mailboxes.map((m) => m.name);

    it('shares a mailbox with rights, shows it under Shared/ and runs operations as the owner', async () => {
      await h.bus.request(CreateMailbox, { accountId: owner.accountId, name: 'Team' });
      await append(owner, 'Team');
      assert.deepEqual(await h.bus.request(SetAcl, { ...owner, mailbox: 'Team', grantee: grantee(delegate), mode: 'replace', rights: 'lrs' }), { rights: 'lrs' });
      assert.ok((await names(delegate)).includes(shared));
      const page = await h.bus.request(OpenMailbox, { accountId: delegate.accountId, tenant: delegate.tenant, name: shared });
      assert.equal(page.mailbox.name, shared);
      assert.equal(page.mailbox.owner, owner.accountId);
      assert.equal(page.mailbox.rights, 'lrs');
      assert.equal(page.messages.length, 1);
      const box = page.mailbox.id;
      const fetched = await h.bus.request(FetchMessages, { accountId: delegate.accountId, mailboxId: box, uids: [[1, 10]] });
      assert.equal(fetched.messages.length, 1);
      // \Seen is allowed ("s"), a keyword is not ("w"), \Deleted is not ("t")
      const seen = await h.bus.request(UpdateFlags, { accountId: delegate.accountId, mailboxId: box, uids: [[1, 1]], mode: 'add', flags: ['\\Seen', '$Done'] });
      assert.deepEqual(seen.updated[0]?.flags, ['\\Seen']);
      await rejectsWith(h.bus.request(UpdateFlags, { accountId: delegate.accountId, mailboxId: box, uids: [[1, 1]], mode: 'add', flags: ['\\Deleted'] }), 'FORBIDDEN');
      await rejectsWith(h.bus.request(UpdateFlags, { accountId: delegate.accountId, mailboxId: box, uids: [[1, 1]], mode: 'replace', flags: ['\\Seen'] }), 'FORBIDDEN');
      await rejectsWith(h.bus.request(ExpungeMessages, { accountId: delegate.accountId, mailboxId: box }), 'FORBIDDEN');
      await rejectsWith(append(delegate, shared), 'FORBIDDEN');
      await rejectsWith(h.bus.request(DeleteMailbox, { accountId: delegate.accountId, tenant: delegate.tenant, name: shared }), 'FORBIDDEN');
      // the owner sees the delegate's \Seen: flags are the mailbox's, shared by all (ADR 0044)
      const mine = await h.bus.request(FetchMessages, { accountId: owner.accountId, mailboxId: box, uids: [[1, 10]] });
      assert.deepEqual(mine.messages[0]?.flags, ['\\Seen']);
    });

    it('lets a delegate with "i" and "w" append and store, the change events going to the owner\'s feed', async () => {
      await h.bus.request(SetAcl, { ...owner, mailbox: 'Team', grantee: grantee(delegate), mode: 'add', rights: 'wite' });
      const events: EventOf<typeof MailboxChanged>[] = [];
      const sub = await h.bus.subscribe(MailboxChanged, (e) => void events.push(e), owner.accountId);
      const added = await append(delegate, shared, ['\\Seen', '$Urgent']);
      assert.deepEqual(added.flags, ['\\Seen', '$Urgent']);
      const status = await h.bus.request(MailboxStatus, { accountId: owner.accountId, name: 'Team' });
      assert.equal(status.messages, 2);
      await h.bus.request(UpdateFlags, { accountId: delegate.accountId, mailboxId: status.id, uids: [[added.uid, added.uid]], mode: 'add', flags: ['\\Deleted'] });
      assert.deepEqual((await h.bus.request(ExpungeMessages, { accountId: delegate.accountId, mailboxId: status.id })).expunged, [added.uid]);
      // events are delivered after the request answered: wait for them (the test's timeout bounds it)
      await until(() => events.some((e) => e.kind === 'expunged' && e.mailboxId === status.id));
      await sub.unsubscribe();
      assert.ok(events.some((e) => e.kind === 'appended' && e.mailboxId === status.id));
    });

    it('copies between an own and a shared mailbox in both directions, by rights', async () => {
      const box = (await h.bus.request(MailboxStatus, { accountId: delegate.accountId, tenant: delegate.tenant, name: shared })).id;
      const inbox = await h.bus.request(MailboxStatus, { accountId: delegate.accountId, name: 'INBOX' });
      const out = await h.bus.request(CopyMessages, { accountId: delegate.accountId, mailboxId: box, uids: [[1, 1]], target: 'INBOX' });
      assert.equal(out.mapping.length, 1);
      await append(delegate, 'INBOX');
      const back = await h.bus.request(CopyMessages, { accountId: delegate.accountId, tenant: delegate.tenant, mailboxId: inbox.id, uids: [[1, 10]], target: shared });
      assert.equal(back.mapping.length, 2);
      await h.bus.request(SetAcl, { ...owner, mailbox: 'Team', grantee: grantee(delegate), mode: 'remove', rights: 'i' });
      await rejectsWith(h.bus.request(CopyMessages, { accountId: delegate.accountId, tenant: delegate.tenant, mailboxId: inbox.id, uids: [[1, 1]], target: shared }), 'FORBIDDEN');
    });

    it('COPY and MOVE into a shared mailbox carry only the flags the caller may set there (RFC 4314 4)', async () => {
      const assistant = user(`assistant-${tag}@a.example`);
      // an owner of its own, so the other cases' share lists stay as they expect
      const boss = user(`boss-${tag}@a.example`);
      await h.bus.request(CreateMailbox, { accountId: boss.accountId, name: 'Drop' });
      await h.bus.request(SetAcl, { ...boss, mailbox: 'Drop', grantee: grantee(assistant), mode: 'replace', rights: 'lri' });
      const flags = ['\\Seen', '\\Deleted', '\\Flagged', '$Work'];
      for (let i = 0; i < 4; i++) await append(assistant, 'INBOX', flags);
      const inbox = await h.bus.request(MailboxStatus, { accountId: assistant.accountId, name: 'INBOX' });
      const drop = `Shared/${boss.address}/Drop`;
      const copy = (uid: number, move = false) => h.bus.request(CopyMessages, { accountId: assistant.accountId, tenant: assistant.tenant, mailboxId: inbox.id, uids: [[uid, uid]], target: drop, move });
      await copy(1);
      await h.bus.request(SetAcl, { ...boss, mailbox: 'Drop', grantee: grantee(assistant), mode: 'add', rights: 's' });
      await copy(2);
      await h.bus.request(SetAcl, { ...boss, mailbox: 'Drop', grantee: grantee(assistant), mode: 'replace', rights: 'lrite' });
      await copy(3, true);
      await h.bus.request(SetAcl, { ...boss, mailbox: 'Drop', grantee: grantee(assistant), mode: 'replace', rights: 'lrwi' });
      await copy(4);
      const mine = await h.bus.request(MailboxStatus, { accountId: boss.accountId, name: 'Drop' });
      const fetched = await h.bus.request(FetchMessages, { accountId: boss.accountId, mailboxId: mine.id, uids: [[1, 10]] });
      assert.deepEqual(fetched.messages.map((m) => m.flags), [[], ['\\Seen'], ['\\Deleted'], ['\\Flagged', '$Work']]);
      // the target's unseen count follows the flags it got, not the source's
      assert.equal(mine.unseen, 3);
      // the moved message left the source; the source's own flags are untouched
      const left = await h.bus.request(FetchMessages, { accountId: assistant.accountId, mailboxId: inbox.id, uids: [[1, 10]] });
      assert.deepEqual(left.messages.map((m) => [m.uid, m.flags]), [[1, flags], [2, flags], [4, flags]]);
    });

    it('RENAME of a shared mailbox needs "x" on it and "k" on the new parent, and stays with the owner (RFC 4314 4)', async () => {
      const chief = user(`chief-${tag}@a.example`);
      const deputy = user(`deputy-${tag}@a.example`);
      const nobody = user(`nobody-${tag}@a.example`);
      for (const name of ['Projects', 'Projects/Old', 'Vault']) await h.bus.request(CreateMailbox, { accountId: chief.accountId, name });
      const set = (mailbox: string, rights: string) => h.bus.request(SetAcl, { ...chief, mailbox, grantee: grantee(deputy), mode: 'replace', rights });
      const rename = (u: User, from: string, to: string) => h.bus.request(RenameMailbox, { accountId: u.accountId, tenant: u.tenant, name: `Shared/${chief.address}/${from}`, newName: to.startsWith('Shared/') || to === 'Mine' ? to : `Shared/${chief.address}/${to}` });
      await set('Projects/Old', 'lr');
      await set('Projects', 'lr');
      await set('Vault', 'lrk');
      await rejectsWith(rename(deputy, 'Projects/Old', 'Projects/New'), 'FORBIDDEN');
      await set('Projects/Old', 'lrx');
      await rejectsWith(rename(deputy, 'Projects/Old', 'Projects/New'), 'FORBIDDEN');
      await rejectsWith(rename(deputy, 'Projects/Old', 'Top'), 'FORBIDDEN');
      await rejectsWith(rename(deputy, 'Projects/Old', 'Mine'), 'FORBIDDEN');
      const moved = await rename(deputy, 'Projects/Old', 'Vault/Old');
      assert.equal(moved.name, `Shared/${chief.address}/Vault/Old`);
      const own = await h.bus.request(ListMailboxes, { accountId: chief.accountId }).then((r) => r.mailboxes.map((m) => m.name));
      assert.ok(own.includes('Vault/Old') && !own.includes('Projects/Old'));
      // the rename kept the mailbox, and its entries with it
      assert.equal((await h.bus.request(MyRights, { ...deputy, mailbox: `Shared/${chief.address}/Vault/Old` })).rights, 'lrx');
      // without any right: the answer of a mailbox that does not exist
      await rejectsWith(rename(nobody, 'Vault/Old', 'Vault/Mine'), 'NOT_FOUND');
      await rejectsWith(rename(nobody, 'Vault/Nothing-here', 'Vault/Mine'), 'NOT_FOUND');
    });

    it('METADATA of a shared mailbox: /shared entries with "lr" to read and "w" to write; /private ones each user\'s own (ADR 0072)', async () => {
      const curator = user(`curator-${tag}@a.example`);
      const reader = user(`reader-${tag}@a.example`);
      const outsider = user(`outsider-${tag}@a.example`);
      await h.bus.request(CreateMailbox, { accountId: curator.accountId, name: 'Notes' });
      await h.bus.request(SetMetadata, { accountId: curator.accountId, mailbox: 'Notes', values: [['/shared/comment', 'A'], ['/private/comment', 'P']] });
      await h.bus.request(SetAcl, { ...curator, mailbox: 'Notes', grantee: grantee(reader), mode: 'replace', rights: 'lr' });
      const name = `Shared/${curator.address}/Notes`;
      const get = (u: User, entries: string[], depth: '0' | 'infinity' = '0', mailbox = name) => h.bus.request(GetMetadata, { accountId: u.accountId, tenant: u.tenant, mailbox, entries, depth });
      const set = (u: User, values: [string, string | null][], mailbox = name) => h.bus.request(SetMetadata, { accountId: u.accountId, tenant: u.tenant, mailbox, values });
      assert.deepEqual((await get(reader, ['/shared/comment', '/private/comment'])).entries, [['/shared/comment', 'A']]);
      assert.deepEqual((await get(reader, ['/private/comment'], 'infinity')).entries, []);
      await rejectsWith(set(reader, [['/shared/comment', 'B']]), 'FORBIDDEN');
      // the reader's own private entries need only what reading does, and never touch the owner's
      await set(reader, [['/private/comment', 'mine'], ['/private/vendor/x/colour', 'red']]);
      assert.deepEqual((await get(reader, ['/shared/comment', '/private/comment'])).entries, [['/private/comment', 'mine'], ['/shared/comment', 'A']]);
      assert.deepEqual((await get(reader, ['/private/vendor'], 'infinity')).entries, [['/private/vendor/x/colour', 'red']]);
      await set(reader, [['/private/vendor/x/colour', null]]);
      assert.deepEqual((await get(reader, ['/private/vendor'], 'infinity')).entries, []);
      // all or none: a /shared entry without "w" takes the /private one down with it
      await rejectsWith(set(reader, [['/private/comment', 'changed'], ['/shared/comment', 'C']]), 'FORBIDDEN');
      assert.deepEqual((await get(reader, ['/private/comment'])).entries, [['/private/comment', 'mine']]);
      await h.bus.request(SetAcl, { ...curator, mailbox: 'Notes', grantee: grantee(reader), mode: 'add', rights: 'w' });
      await set(reader, [['/shared/comment', 'B']]);
      const own = await h.bus.request(GetMetadata, { accountId: curator.accountId, mailbox: 'Notes', entries: ['/shared/comment', '/private/comment'], depth: '0' });
      assert.deepEqual(new Map(own.entries), new Map([['/shared/comment', 'B'], ['/private/comment', 'P']]));
      // without rights, and another tenant: the answer of a mailbox that does not exist
      for (const u of [outsider, stranger]) {
        await rejectsWith(get(u, ['/shared/comment']), 'NOT_FOUND');
        await rejectsWith(set(u, [['/shared/comment', 'x']]), 'NOT_FOUND');
        await rejectsWith(get(u, ['/shared/comment'], '0', `Shared/${curator.address}/Nothing-here`), 'NOT_FOUND');
      }
    });

    it('answers GETACL, MYRIGHTS and the shares list; only "a" may read or change the ACL', async () => {
      const acl = await h.bus.request(GetAcl, { ...owner, mailbox: 'Team' });
      assert.deepEqual(acl.entries, [
        { identifier: owner.address, rights: 'lrswipkxtea' },
        { identifier: delegate.address, rights: 'lrswte' },
      ]);
      assert.deepEqual(await h.bus.request(MyRights, { ...delegate, mailbox: shared }), { rights: 'lrswte', owner: false });
      assert.deepEqual(await h.bus.request(MyRights, { ...owner, mailbox: 'Team' }), { rights: 'lrswipkxtea', owner: true });
      await rejectsWith(h.bus.request(GetAcl, { ...delegate, mailbox: shared }), 'FORBIDDEN');
      await rejectsWith(h.bus.request(SetAcl, { ...delegate, mailbox: shared, grantee: grantee(colleague), mode: 'replace', rights: 'lr' }), 'FORBIDDEN');
      await rejectsWith(h.bus.request(SetAcl, { ...owner, mailbox: 'Team', grantee: grantee(owner), mode: 'replace', rights: 'lr' }), 'INVALID');
      assert.deepEqual((await h.bus.request(ListShares, { accountId: owner.accountId })).shares, [{ mailbox: 'Team', identifier: delegate.address, rights: 'lrswte' }]);
    });

    it('never shares across tenants: refused, invisible, and a guessed name is as absent as a missing one', async () => {
      await rejectsWith(h.bus.request(SetAcl, { ...owner, mailbox: 'Team', grantee: grantee(stranger), mode: 'replace', rights: 'lr' }), 'FORBIDDEN');
      // a grantee that claims the owner's tenant with an address of another one
      await rejectsWith(h.bus.request(SetAcl, { ...owner, mailbox: 'Team', grantee: { ...grantee(stranger), tenant: owner.tenant }, mode: 'replace', rights: 'lr' }), 'FORBIDDEN');
      await h.bus.request(SetAcl, { ...owner, mailbox: 'Team', grantee: { kind: 'anyone' }, mode: 'replace', rights: 'lr' });
      // anyone of the owner's tenant sees it; nobody of another
      assert.ok((await names(colleague)).includes(shared));
      assert.ok(!(await names(stranger)).some((n) => n.startsWith('Shared/')));
      const box = (await h.bus.request(MailboxStatus, { accountId: colleague.accountId, tenant: colleague.tenant, name: shared })).id;
      for (const name of [shared, `Shared/${owner.address}/INBOX`, `Shared/${owner.address}/Nothing`]) {
        await rejectsWith(h.bus.request(MailboxStatus, { accountId: stranger.accountId, tenant: stranger.tenant, name }), 'NOT_FOUND');
        await rejectsWith(h.bus.request(OpenMailbox, { accountId: stranger.accountId, tenant: stranger.tenant, name }), 'NOT_FOUND');
        await rejectsWith(h.bus.request(MyRights, { ...stranger, mailbox: name }), 'NOT_FOUND');
      }
      // a stranger claiming the owner's tenant for `anyone`: the tenant is the domain of its address
      await rejectsWith(h.bus.request(MyRights, { ...stranger, tenant: owner.tenant, mailbox: shared }), 'INVALID');
      // by id, the store refuses the stranger even if it learnt the mailbox id
      await rejectsWith(h.bus.request(FetchMessages, { accountId: stranger.accountId, mailboxId: box, uids: [[1, 10]] }), 'NOT_FOUND');
      await rejectsWith(h.bus.request(SearchMessages, { accountId: stranger.accountId, mailboxId: box, criteria: { op: 'all' } }), 'NOT_FOUND');
      // a colleague without "l" on INBOX cannot tell it from a missing mailbox
      await rejectsWith(h.bus.request(MailboxStatus, { accountId: colleague.accountId, tenant: colleague.tenant, name: `Shared/${owner.address}/INBOX` }), 'NOT_FOUND');
    });

    it('makes children under a shared mailbox with "k", inheriting its entries; revoking takes effect at once', async () => {
      await h.bus.request(SetAcl, { ...owner, mailbox: 'Team', grantee: grantee(delegate), mode: 'add', rights: 'k' });
      await h.bus.request(CreateMailbox, { accountId: delegate.accountId, tenant: delegate.tenant, name: `${shared}/Sub` });
      assert.ok((await names(owner)).includes('Team/Sub'));
      assert.ok((await names(delegate)).includes(`${shared}/Sub`));
      await rejectsWith(h.bus.request(CreateMailbox, { accountId: delegate.accountId, tenant: delegate.tenant, name: `Shared/${owner.address}/Top` }), 'FORBIDDEN');
      const box = (await h.bus.request(MailboxStatus, { accountId: delegate.accountId, tenant: delegate.tenant, name: shared })).id;
      assert.deepEqual(await h.bus.request(DeleteAcl, { ...owner, mailbox: 'Team', grantee: grantee(delegate) }), { deleted: true });
      await h.bus.request(DeleteAcl, { ...owner, mailbox: 'Team', grantee: { kind: 'anyone' } });
      await rejectsWith(h.bus.request(FetchMessages, { accountId: delegate.accountId, mailboxId: box, uids: [[1, 10]] }), 'NOT_FOUND');
      assert.ok(!(await names(delegate)).includes(shared));
    });

    it('forgets a purged grantee\'s entries', async () => {
      await h.bus.request(SetAcl, { ...owner, mailbox: 'Team', grantee: grantee(colleague), mode: 'replace', rights: 'lr' });
      await h.bus.request(PurgeAccount, { accountId: colleague.accountId });
      assert.deepEqual((await h.bus.request(GetAcl, { ...owner, mailbox: 'Team' })).entries.map((e) => e.identifier), [owner.address]);
    });
  });
}

aclSuite('PGlite', inMemoryPglite);
const adminUrl = process.env.TEST_DATABASE_URL;
if (adminUrl) aclSuite('PostgreSQL', () => freshPostgres(adminUrl));
