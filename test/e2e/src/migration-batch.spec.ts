// Migration batches (issue 16): a second embedded platform plays the organisation's old IMAP
// server over real sockets; users are moved with `mailctl migration` and the result is read back
// over IMAP with imapflow on both sides.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mailctl, serverTlsFromTestCa, startEmbeddedForTest, type PlatformUnderTest } from '@mail/testing';
import {
  NEW_PASSWORD,
  OLD_PASSWORD,
  assertSameMessages,
  csvFile,
  droppingRelay,
  imap,
  mailboxContents,
  ok,
  seed,
  status,
  waitFor,
} from './migration-batch-scenario.js';

const OLD = 'old.test';
const NEW = 'new.test';
const day = (s: string) => new Date(s);

describe('migration batches: another IMAP server into the platform (embedded)', { timeout: 600_000 }, () => {
  let source: PlatformUnderTest;
  let target: PlatformUnderTest;
  let dir: string;

  before(async () => {
    // the old server has a certificate from a CA the new platform is told to trust (REMOTE_TLS_CA_FILE):
    // STARTTLS is verified, as it must be against a real old server
    dir = await mkdtemp(join(tmpdir(), 'migration-pki-'));
    const tls = await serverTlsFromTestCa(dir);
    [source, target] = await Promise.all([
      startEmbeddedForTest({ env: tls.env }),
      startEmbeddedForTest({
        env: { REMOTE_TLS_CA_FILE: tls.pki.caFile, MIGRATION_BATCH_POLL_MS: '100', MIGRATION_BATCH_RETRY_MS: '100', MIGRATION_BATCH_CHUNK: '25', MIGRATION_BATCH_LEASE_MS: '5000' },
      }),
    ]);
    await ok(source, ['domain', 'add', OLD]);
    await ok(target, ['domain', 'add', NEW]);
    for (const u of ['ann', 'bob', 'carl', 'erin', 'frank']) {
      await ok(source, ['user', 'add', `${u}@${OLD}`, '--password', OLD_PASSWORD]);
      await ok(target, ['user', 'add', `${u}@${NEW}`, '--password', NEW_PASSWORD]);
    }
  });
  after(async () => {
    await Promise.all([source?.close(), target?.close()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('copies folders with their hierarchy, flags, keywords, dates and bytes; a wrong password fails one user only; complete picks up what came later', async () => {
    await seed(
      source,
      `ann@${OLD}`,
      [
        { folder: 'INBOX', flags: ['\\Seen'], date: day('2019-03-04T05:06:07Z') },
        { folder: 'INBOX', flags: ['\\Seen', '\\Answered', '$Label1'], date: day('2020-01-02T03:04:05Z') },
        { folder: 'INBOX', flags: [], date: day('2021-06-07T08:09:10Z') },
        { folder: 'Sent', flags: ['\\Seen'], date: day('2018-12-31T23:59:59Z') },
        { folder: 'Drafts', flags: ['\\Draft'], date: day('2022-02-02T02:02:02Z') },
        { folder: 'Projects/Alpha', flags: ['\\Flagged', 'ProjectX'], date: day('2017-07-07T07:07:07Z') },
        { folder: 'Projects', flags: ['\\Deleted', '\\Seen'], date: day('2016-06-06T06:06:06Z') },
      ],
      ['Projects', 'Projects/Alpha'],
    );
    await seed(
      source,
      `carl@${OLD}`,
      Array.from({ length: 60 }, (_, i) => ({ folder: 'INBOX', flags: i % 2 ? ['\\Seen'] : [], date: new Date(Date.UTC(2020, 0, 1 + i)) })),
    );
    const csv = await csvFile([
      [`ann@${NEW}`, `ann@${OLD}`, OLD_PASSWORD],
      [`bob@${NEW}`, `bob@${OLD}`, 'not the password'],
      [`carl@${NEW}`, `carl@${OLD}`, OLD_PASSWORD],
    ]);
    const created = await ok(target, ['migration', 'create', 'org', '--csv', csv, '--host', '127.0.0.1', '--port', String(source.ports.imap), '--tls', 'starttls']);
    assert.match(created, /created migration batch org with 3 users/);
    assert.doesNotMatch(JSON.stringify(await status(target, 'org')), /old server password|not the password/, 'a password came back');
    await ok(target, ['migration', 'start', 'org']);
    const synced = await waitFor(target, 'org', (s) => s.state === 'synced');
    const byUser = new Map(synced.users.map((u) => [u.emailAddress, u]));
    assert.equal(byUser.get(`ann@${NEW}`)?.state, 'synced');
    assert.equal(byUser.get(`carl@${NEW}`)?.state, 'synced');
    assert.equal(byUser.get(`bob@${NEW}`)?.state, 'failed');
    assert.match(byUser.get(`bob@${NEW}`)?.lastError ?? '', /refused the login/);
    assert.equal(byUser.get(`carl@${NEW}`)?.messagesDone, 60);
    assert.equal(byUser.get(`ann@${NEW}`)?.messagesDone, 7);

    const before = await mailboxContents(source, `ann@${OLD}`, OLD_PASSWORD);
    const after = await mailboxContents(target, `ann@${NEW}`, NEW_PASSWORD);
    for (const folder of ['INBOX', 'Sent', 'Drafts', 'Projects', 'Projects/Alpha']) {
      assertSameMessages(`ann ${folder}`, before.get(folder) ?? [], after.get(folder) ?? []);
    }
    // the special-use folders landed in ours, not beside them
    const client = imap(target, `ann@${NEW}`, NEW_PASSWORD);
    await client.connect();
    try {
      const sent = (await client.list()).find((b) => b.specialUse === '\\Sent');
      assert.equal(sent?.path, 'Sent');
    } finally {
      await client.logout();
    }

    // the status of one user shows its folders; the terminal view has progress bars
    const one = await status(target, 'org', `ann@${NEW}`);
    assert.deepEqual(one.users[0].folderDetails?.map((f) => f.localName).sort(), ['Archive', 'Drafts', 'INBOX', 'Junk', 'Projects', 'Projects/Alpha', 'Sent', 'Trash']);
    assert.match(await ok(target, ['migration', 'status', 'org']), /\[#{20}\] 100%/);

    // a message arrives on the old server after the first pass; complete copies it and nothing twice
    await seed(source, `ann@${OLD}`, [{ folder: 'INBOX', flags: ['\\Flagged'], date: day('2023-03-03T03:03:03Z') }]);
    await ok(target, ['migration', 'complete', 'org']);
    const completed = await waitFor(target, 'org', (s) => s.state === 'completed');
    assert.equal(completed.users.find((u) => u.emailAddress === `ann@${NEW}`)?.state, 'completed');
    assertSameMessages('ann INBOX after complete', (await mailboxContents(source, `ann@${OLD}`, OLD_PASSWORD)).get('INBOX')!, (await mailboxContents(target, `ann@${NEW}`, NEW_PASSWORD)).get('INBOX')!);
    assertSameMessages('carl INBOX after complete', (await mailboxContents(source, `carl@${OLD}`, OLD_PASSWORD)).get('INBOX')!, (await mailboxContents(target, `carl@${NEW}`, NEW_PASSWORD)).get('INBOX')!);
  });

  it('stops in the middle and resumes without duplicates', async () => {
    await seed(
      source,
      `erin@${OLD}`,
      Array.from({ length: 150 }, (_, i) => ({ folder: 'INBOX', flags: i % 3 ? [] : ['\\Seen'], date: new Date(Date.UTC(2021, 0, 1, 0, i)) })),
    );
    const csv = await csvFile([[`erin@${NEW}`, `erin@${OLD}`, OLD_PASSWORD]]);
    // 25 messages a chunk at 40 messages/s: the copy takes several seconds, time to stop it
    await ok(target, ['migration', 'create', 'slow', '--csv', csv, '--host', '127.0.0.1', '--port', String(source.ports.imap), '--tls', 'starttls', '--max-connections', '1', '--messages-per-second', '40']);
    await ok(target, ['migration', 'start', 'slow']);
    await waitFor(target, 'slow', (s) => s.counts.messagesDone >= 25);
    await ok(target, ['migration', 'stop', 'slow']);
    const stopped = await waitFor(target, 'slow', (s) => s.state === 'stopped');
    const doneAtStop = stopped.counts.messagesDone;
    assert.ok(doneAtStop < 150, `the batch finished (${doneAtStop}) before it could be stopped`);
    assert.equal(stopped.users[0].state, 'stopped');
    const partial = (await mailboxContents(target, `erin@${NEW}`, NEW_PASSWORD)).get('INBOX')!;
    assert.equal(partial.length, doneAtStop, 'what status counts is what the mailbox holds');

    await ok(target, ['migration', 'resume', 'slow']);
    const synced = await waitFor(target, 'slow', (s) => s.state === 'synced');
    assert.equal(synced.users[0].messagesDone, 150);
    assertSameMessages('erin INBOX', (await mailboxContents(source, `erin@${OLD}`, OLD_PASSWORD)).get('INBOX')!, (await mailboxContents(target, `erin@${NEW}`, NEW_PASSWORD)).get('INBOX')!);
  });

  it('survives a source that drops the connection mid-copy', async () => {
    await seed(
      source,
      `frank@${OLD}`,
      Array.from({ length: 80 }, (_, i) => ({ folder: 'INBOX', flags: [], date: new Date(Date.UTC(2022, 1, 1, i)) })),
    );
    // the first two connections are cut after 8 KB from the server: past the TLS handshake, login and
    // EXAMINE, in the middle of the bodies. The session negotiates COMPRESS=DEFLATE (imapflow does when
    // offered), so 80 messages are well under 30 KB on the wire: a larger cut point is never reached.
    const relay = await droppingRelay({ host: '127.0.0.1', port: source.ports.imap }, 8_000, 2);
    try {
      const csv = await csvFile([[`frank@${NEW}`, `frank@${OLD}`, OLD_PASSWORD]]);
      await ok(target, ['migration', 'create', 'flaky', '--csv', csv, '--host', '127.0.0.1', '--port', String(relay.port), '--tls', 'starttls']);
      await ok(target, ['migration', 'start', 'flaky']);
      const synced = await waitFor(target, 'flaky', (s) => s.state === 'synced');
      assert.equal(relay.dropped(), 2);
      assert.equal(synced.users[0].state, 'synced');
      assert.equal(synced.users[0].attempts, 2, 'two attempts failed and were retried');
      assertSameMessages('frank INBOX', (await mailboxContents(source, `frank@${OLD}`, OLD_PASSWORD)).get('INBOX')!, (await mailboxContents(target, `frank@${NEW}`, NEW_PASSWORD)).get('INBOX')!);
    } finally {
      await relay.close();
    }
  });

  it('refuses a plaintext source that is not on this machine, and bad CSV lines with their numbers', async () => {
    const csv = await csvFile([[`ann@${NEW}`, 'ann', 'pw']]);
    const plain = await mailctl(target, ['migration', 'create', 'far', '--csv', csv, '--host', 'imap.example.com', '--tls', 'none']);
    assert.notEqual(plain.code, 0);
    assert.match(plain.stderr, /--tls none to imap.example.com sends passwords in the clear/);
    const bad = await csvFile([[`not-an-address`, 'x', 'y'], [`ok@${NEW}`, '', 'pw']]);
    const r = await mailctl(target, ['migration', 'create', 'bad', '--csv', bad, '--host', '127.0.0.1', '--tls', 'starttls']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /line 2: EmailAddress "not-an-address" is not an address/);
    assert.match(r.stderr, /line 3: UserName is empty/);
  });
});
