import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ImapFlow } from 'imapflow';
import { mailctl, startEmbeddedForTest, type PlatformUnderTest } from '@mail/testing';

const PASSWORD = 'correct horse battery';
const OWNER = 'team@share-a.test';
const DELEGATE = 'delegate@share-a.test';
const THIRD = 'third@share-a.test';
const STRANGER = 'stranger@share-b.test';
const SHARED = `Shared/${OWNER}/Team`;

/**
 * ADR 0044 with a real client (imapflow) and the real mailctl: an owner's mailbox shared with a
 * delegate, who reads and writes as its rights allow; a third user of the tenant sees nothing until
 * `anyone` may look, then only reads; a user of another tenant never sees anything; two users
 * idling on the one shared mailbox see each other's changes.
 */
describe('shared mailboxes with imapflow and mailctl (embedded)', { timeout: 180_000 }, () => {
  let p: PlatformUnderTest;
  const clients: ImapFlow[] = [];

  const ctl = async (...args: string[]) => {
    const r = await mailctl(p, args);
    assert.equal(r.code, 0, `mailctl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const login = async (user: string) => {
    const c = new ImapFlow({ host: '127.0.0.1', port: p.ports.imap, secure: false, auth: { user, pass: PASSWORD }, logger: false, tls: { rejectUnauthorized: false }, disableAutoIdle: true });
    await c.connect();
    clients.push(c);
    return c;
  };
  const paths = async (c: ImapFlow) => (await c.list()).map((m) => m.path);
  const message = (subject: string) => `From: ${OWNER}\r\nTo: ${OWNER}\r\nSubject: ${subject}\r\n\r\n${subject}\r\n`;
  /** the first event of that name, with the command that should cause it */
  const whenEvent = <T>(c: ImapFlow, name: string) => new Promise<T>((resolve) => c.once(name, resolve));

  before(async () => {
    p = await startEmbeddedForTest({ env: { ALLOW_PLAINTEXT_AUTH: 'true' } });
    await ctl('domain', 'add', 'share-a.test');
    await ctl('domain', 'add', 'share-b.test');
    for (const user of [OWNER, DELEGATE, THIRD, STRANGER]) await ctl('user', 'add', user, '--password', PASSWORD);
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.logout().catch(() => undefined)));
    await p?.close();
  });

  it('shares through mailctl within the tenant only', async () => {
    const owner = await login(OWNER);
    await owner.mailboxCreate('Team');
    await owner.append('Team', message('first'));
    assert.match(await ctl('mailbox', 'share', `${OWNER}:Team`, DELEGATE, 'lrswi'), /shared with delegate@share-a\.test: lrswi/);
    const refused = await mailctl(p, ['mailbox', 'share', `${OWNER}:Team`, STRANGER, 'lr']);
    assert.notEqual(refused.code, 0, 'another tenant cannot be granted anything');
    const bad = await mailctl(p, ['mailbox', 'share', `${OWNER}:Team`, DELEGATE, 'lrQ']);
    assert.notEqual(bad.code, 0, 'an unknown right is refused');
    const list = await ctl('mailbox', 'shares', OWNER);
    assert.match(list, /Team\s+delegate@share-a\.test\s+lrswi/);
    assert.doesNotMatch(list, /stranger/);
    // the grantee's side (ADR 0072): what the delegate may open, by the name it sees
    assert.match(await ctl('mailbox', 'shared-with', DELEGATE), /team@share-a\.test\s+Team\s+Shared\/team@share-a\.test\/Team\s+lrswi/);
    assert.match(await ctl('mailbox', 'shared-with', THIRD), /nothing is shared with third@share-a\.test/);
    assert.match(await ctl('mailbox', 'shared-with', STRANGER), /nothing is shared with stranger@share-b\.test/);
  });

  it('lets the delegate read and write as its rights allow', async () => {
    const delegate = await login(DELEGATE);
    assert.ok((await paths(delegate)).includes(SHARED));
    const box = await delegate.mailboxOpen(SHARED);
    assert.equal(box.exists, 1);
    assert.equal(box.readOnly, false);
    const first = await delegate.fetchOne('1', { source: true });
    assert.ok(first && first.source?.toString().includes('Subject: first'));
    assert.equal(await delegate.messageFlagsAdd('1', ['\\Seen']), true);
    // no "t": \Deleted is refused, and so is EXPUNGE without "e"
    assert.equal(await delegate.messageFlagsAdd('1', ['\\Deleted']), false);
    await delegate.append(SHARED, message('from the delegate'));
    const status = await delegate.status(SHARED, { messages: true });
    assert.equal(status && status.messages, 2);
    await delegate.mailboxClose();
  });

  it('shows a third user of the tenant nothing until anyone may look, then read-only', async () => {
    const third = await login(THIRD);
    assert.ok(!(await paths(third)).some((n) => n.startsWith('Shared')));
    await assert.rejects(third.mailboxOpen(SHARED));
    await ctl('mailbox', 'share', `${OWNER}:Team`, 'anyone', 'lr');
    assert.ok((await paths(third)).includes(SHARED));
    const box = await third.mailboxOpen(SHARED);
    assert.equal(box.readOnly, true);
    await assert.rejects(third.append(SHARED, message('not allowed')));
    await third.mailboxClose();
  });

  it('never shows another tenant anything, listed or guessed', async () => {
    const stranger = await login(STRANGER);
    assert.ok(!(await paths(stranger)).some((n) => n.startsWith('Shared')));
    for (const name of [SHARED, `Shared/${OWNER}/INBOX`, `Shared/${OWNER}/Nothing`]) {
      await assert.rejects(stranger.mailboxOpen(name), name);
      await assert.rejects(stranger.status(name, { messages: true }), name);
    }
  });

  it('lets two users idling on the shared mailbox see each other\'s changes', async () => {
    const owner = await login(OWNER);
    const delegate = await login(DELEGATE);
    await owner.mailboxOpen('Team');
    await delegate.mailboxOpen(SHARED);

    const arrived = whenEvent<{ count: number }>(owner, 'exists');
    const ownerIdle = owner.idle();
    await delegate.append(SHARED, message('while the owner idles'));
    assert.equal((await arrived).count, 3);

    const flagged = whenEvent<{ uid: number; flags: Set<string> }>(delegate, 'flags');
    const delegateIdle = delegate.idle();
    await owner.messageFlagsAdd({ uid: '1' }, ['\\Flagged'], { uid: true });
    const change = await flagged;
    assert.equal(change.uid, 1);
    assert.ok(change.flags.has('\\Flagged'));
    await Promise.all([ownerIdle, delegateIdle, owner.noop(), delegate.noop()]);
  });

  it('takes rights away at once', async () => {
    await ctl('mailbox', 'unshare', `${OWNER}:Team`, DELEGATE);
    await ctl('mailbox', 'unshare', `${OWNER}:Team`, 'anyone');
    const delegate = await login(DELEGATE);
    assert.ok(!(await paths(delegate)).includes(SHARED));
    await assert.rejects(delegate.mailboxOpen(SHARED));
    assert.match(await ctl('mailbox', 'shares', OWNER), /no shared mailboxes/);
    assert.match(await ctl('mailbox', 'shared-with', DELEGATE), /nothing is shared with delegate@share-a\.test/);
  });
});
