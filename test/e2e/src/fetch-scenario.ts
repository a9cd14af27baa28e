// External accounts (issue 16, ADR 0029): a second embedded platform plays the user's other
// provider over real sockets (IMAP with STARTTLS, POP3 with STLS, certificates verified against
// its self-signed certificate); accounts are managed with `mailctl fetch`, the result read over IMAP.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mailctl, startEmbeddedForTest, type PlatformUnderTest } from '@mail/testing';
import { NEW_PASSWORD, OLD_PASSWORD, droppingRelay, imap, mailboxContents, ok, seed, type SeenMessage } from './migration-batch-scenario.js';

const OLD = 'old.test';
const NEW = 'new.test';

interface AccountView {
  id: string;
  enabled: boolean;
  disabledReason: string | null;
  lastRunAt: string | null;
  lastError: { at: string; kind: string; message: string } | null;
  consecutiveFailures: number;
  messagesFetched: number;
}
interface Shown {
  account: AccountView;
  folders: Array<{ folder: string; uidValidity: string | null; highestUid: number | null; delivered: number }>;
  recentErrors: Array<{ at: string; kind: string; message: string }>;
}
interface RunOutcome {
  ran: boolean;
  fetched: number;
  deleted: number;
  error: { kind: string; message: string } | null;
}

async function show(p: PlatformUnderTest, id: string): Promise<Shown> {
  return JSON.parse(await ok(p, ['fetch', 'show', id, '--json'])) as Shown;
}

/** `fetch add` runs the account at once in the background: wait for that first run to end. */
async function firstRun(p: PlatformUnderTest, id: string): Promise<Shown> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const s = await show(p, id);
    if (s.account.lastRunAt) return s;
    if (Date.now() > deadline) throw new Error(`account ${id} never ran: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function run(p: PlatformUnderTest, id: string): Promise<RunOutcome> {
  return JSON.parse(await ok(p, ['fetch', 'run', id, '--json'])) as RunOutcome;
}

async function add(p: PlatformUnderTest, args: string[], password: string): Promise<string> {
  const r = await mailctl(p, ['fetch', 'add', ...args, '--password-stdin', '--interval', '1h', '--json'], `${password}\n`);
  assert.equal(r.code, 0, `fetch add: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { id: string }).id;
}

async function inbox(p: PlatformUnderTest, user: string, password: string): Promise<SeenMessage[]> {
  return (await mailboxContents(p, user, password)).get('INBOX') ?? [];
}

/**
 * The inbox once delivery has put at least the `originals` (plus `already` there before) in it: a
 * run hands what it fetched to the delivery queue, and local delivery happens after the run answers.
 */
async function inboxOnceDelivered(p: PlatformUnderTest, user: string, originals: Map<string, Buffer>, already = 0): Promise<SeenMessage[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const messages = await inbox(p, user, NEW_PASSWORD);
    if (messages.length >= originals.size + already || Date.now() > deadline) return messages;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Each message once, and the fetched copy is the original with our Received: header in front. */
function assertFetched(where: string, fetched: SeenMessage[], originals: Map<string, Buffer>): void {
  const ids = fetched.map((m) => m.messageId);
  assert.equal(new Set(ids).size, ids.length, `${where}: a message was delivered twice`);
  assert.deepEqual([...ids].sort(), [...originals.keys()].sort(), `${where}: not the messages of the remote account`);
  for (const m of fetched) {
    const original = originals.get(m.messageId)!;
    assert.ok(m.source.subarray(m.source.length - original.length).equals(original), `${where}: ${m.messageId} bytes changed`);
    assert.match(m.source.subarray(0, m.source.length - original.length).toString(), /^Received: from 127\.0\.0\.1\r\n\tby localhost with (IMAP|POP3) id /);
  }
}

const merge = (...maps: Array<Map<string, Buffer>>) => new Map(maps.flatMap((m) => [...m]));

/**
 * `metricsText` reads the Prometheus text of the process(es) running the migration module (the
 * embedded process, or every migration replica).
 */
export function fetchScenarios(mode: string, startTarget: (env: NodeJS.ProcessEnv) => Promise<PlatformUnderTest>, metricsText: (p: PlatformUnderTest) => Promise<string>): void {
  describe(`external accounts: fetching from another server (${mode})`, { timeout: 300_000 }, () => {
    let source: PlatformUnderTest & { dataDir?: string };
    let target: PlatformUnderTest;

    before(async () => {
      source = await startEmbeddedForTest();
      target = await startTarget({
        // the remote's self-signed certificate is trusted explicitly: TLS stays verified
        REMOTE_TLS_CA_FILE: join((source as { dataDir: string }).dataDir, 'tls', 'self-signed.crt'),
        FETCH_MAX_AUTH_FAILURES: '2',
        FETCH_POLL_MS: '3600000',
        // the samples are under 1 KB; one test appends a larger message that must be skipped
        REMOTE_MAX_MESSAGE_SIZE: '8192',
      });
      await ok(source, ['domain', 'add', OLD]);
      await ok(target, ['domain', 'add', NEW]);
      for (const u of ['ann', 'bob', 'carl', 'dave', 'erin', 'fay', 'gus', 'hal', 'ivy', 'jon']) {
        await ok(source, ['user', 'add', `${u}@${OLD}`, '--password', OLD_PASSWORD]);
        await ok(target, ['user', 'add', `${u}@${NEW}`, '--password', NEW_PASSWORD]);
      }
    });
    after(async () => {
      await Promise.all([source?.close(), target?.close()]);
    });

    it('IMAP: fetches the new messages only, never twice, and leaves them on the server when asked', async () => {
      const first = await seed(source, `ann@${OLD}`, [0, 1, 2].map((i) => ({ folder: 'INBOX', flags: i ? [] : ['\\Seen'], date: new Date(Date.UTC(2024, 0, 1 + i)) })));
      const id = await add(target, [`ann@${NEW}`, '--protocol', 'imap', '--host', '127.0.0.1', '--port', String(source.ports.imap), '--tls', 'starttls', '--username', `ann@${OLD}`, '--leave-on-server'], OLD_PASSWORD);
      const after1 = await firstRun(target, id);
      assert.equal(after1.account.lastError, null, JSON.stringify(after1.account.lastError));
      assert.equal(after1.account.messagesFetched, 3);
      assertFetched('ann after the first run', await inboxOnceDelivered(target, `ann@${NEW}`, first), first);

      const again = await run(target, id);
      assert.deepEqual({ ran: again.ran, fetched: again.fetched, error: again.error }, { ran: true, fetched: 0, error: null });
      assert.equal((await inbox(target, `ann@${NEW}`, NEW_PASSWORD)).length, 3);

      const later = await seed(source, `ann@${OLD}`, [{ folder: 'INBOX', flags: [], date: new Date(Date.UTC(2024, 1, 1)) }]);
      const third = await run(target, id);
      assert.equal(third.fetched, 1);
      assertFetched('ann after a new message', await inboxOnceDelivered(target, `ann@${NEW}`, merge(first, later)), merge(first, later));
      assert.equal((await inbox(source, `ann@${OLD}`, OLD_PASSWORD)).length, 4, 'leave-on-server kept them remotely');
      const remoteSeen = (await inbox(source, `ann@${OLD}`, OLD_PASSWORD)).filter((m) => m.flags.includes('\\Seen')).length;
      assert.equal(remoteSeen, 1, 'fetching did not mark remote messages \\Seen');

      const shown = await show(target, id);
      assert.equal(shown.folders[0]?.folder, 'INBOX');
      assert.equal(shown.folders[0]?.highestUid, 4);
      assert.equal(shown.folders[0]?.delivered, 4);
      const listed = await ok(target, ['fetch', 'list']);
      assert.match(listed, new RegExp(id));
      for (const text of [listed, JSON.stringify(shown), await ok(target, ['fetch', 'show', id])]) assert.ok(!text.includes(OLD_PASSWORD), 'a password came back');
    });

    it('POP3 with UIDL: new messages only, deleted remotely once delivered', async () => {
      const first = await seed(source, `bob@${OLD}`, [0, 1, 2].map((i) => ({ folder: 'INBOX', flags: [], date: new Date(Date.UTC(2024, 2, 1 + i)) })));
      const id = await add(target, [`bob@${NEW}`, '--protocol', 'pop3', '--host', '127.0.0.1', '--port', String(source.ports.pop3), '--tls', 'starttls', '--username', `bob@${OLD}`], OLD_PASSWORD);
      const after1 = await firstRun(target, id);
      assert.equal(after1.account.lastError, null, JSON.stringify(after1.account.lastError));
      assertFetched('bob after the first run', await inboxOnceDelivered(target, `bob@${NEW}`, first), first);
      assert.equal((await inbox(source, `bob@${OLD}`, OLD_PASSWORD)).length, 0, 'delivered messages were deleted from the POP3 server');

      const later = await seed(source, `bob@${OLD}`, [0, 1].map((i) => ({ folder: 'INBOX', flags: [], date: new Date(Date.UTC(2024, 3, 1 + i)) })));
      const second = await run(target, id);
      assert.equal(second.fetched, 2);
      assert.equal((await run(target, id)).fetched, 0);
      assertFetched('bob after new messages', await inboxOnceDelivered(target, `bob@${NEW}`, merge(first, later)), merge(first, later));
    });

    it('POP3 leaving messages on the server: UIDL alone keeps them from coming twice', async () => {
      const first = await seed(source, `fay@${OLD}`, [0, 1].map((i) => ({ folder: 'INBOX', flags: [], date: new Date(Date.UTC(2024, 4, 1 + i)) })));
      const id = await add(target, [`fay@${NEW}`, '--protocol', 'pop3', '--host', '127.0.0.1', '--port', String(source.ports.pop3), '--tls', 'starttls', '--username', `fay@${OLD}`, '--leave-on-server'], OLD_PASSWORD);
      await firstRun(target, id);
      const later = await seed(source, `fay@${OLD}`, [{ folder: 'INBOX', flags: [], date: new Date(Date.UTC(2024, 5, 1)) }]);
      assert.equal((await run(target, id)).fetched, 1);
      assert.equal((await run(target, id)).fetched, 0);
      assertFetched('fay', await inboxOnceDelivered(target, `fay@${NEW}`, merge(first, later)), merge(first, later));
      assert.equal((await inbox(source, `fay@${OLD}`, OLD_PASSWORD)).length, 3);
    });

    it('IMAP without --leave-on-server deletes what it delivered from the remote folder', async () => {
      const first = await seed(source, `carl@${OLD}`, [0, 1].map((i) => ({ folder: 'INBOX', flags: [], date: new Date(Date.UTC(2024, 6, 1 + i)) })));
      const id = await add(target, [`carl@${NEW}`, '--protocol', 'imap', '--host', '127.0.0.1', '--port', String(source.ports.imap), '--tls', 'starttls', '--username', `carl@${OLD}`], OLD_PASSWORD);
      await firstRun(target, id);
      assertFetched('carl', await inboxOnceDelivered(target, `carl@${NEW}`, first), first);
      assert.equal((await inbox(source, `carl@${OLD}`, OLD_PASSWORD)).length, 0);
    });

    it('a wrong password is recorded with its time, and repeated ones disable the account with the reason', async () => {
      const id = await add(target, [`dave@${NEW}`, '--protocol', 'imap', '--host', '127.0.0.1', '--port', String(source.ports.imap), '--tls', 'starttls', '--username', `dave@${OLD}`], 'not the password');
      const after1 = await firstRun(target, id);
      assert.equal(after1.account.lastError?.kind, 'auth');
      assert.ok(Date.parse(after1.account.lastError!.at) > Date.now() - 120_000);
      assert.equal(after1.account.enabled, true);
      const second = await run(target, id);
      assert.equal(second.error?.kind, 'auth');
      const disabled = await show(target, id);
      assert.equal(disabled.account.enabled, false);
      assert.match(disabled.account.disabledReason ?? '', /2 authentication failures/);
      assert.equal(disabled.recentErrors.length, 2);
      assert.match(await ok(target, ['fetch', 'show', id]), /State: +disabled: disabled after 2 authentication failures/);
      const refused = await mailctl(target, ['fetch', 'run', id]);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /disabled/);

      // the administrator fixes the password and enables it again
      await seed(source, `dave@${OLD}`, [{ folder: 'INBOX', flags: [], date: new Date(Date.UTC(2024, 7, 1)) }]);
      const enabled = await mailctl(target, ['fetch', 'enable', id, '--password-stdin'], `${OLD_PASSWORD}\n`);
      assert.equal(enabled.code, 0, enabled.stderr);
      const deadline = Date.now() + 60_000;
      while ((await show(target, id)).account.messagesFetched < 1) {
        if (Date.now() > deadline) throw new Error('the enabled account never fetched');
        await new Promise((r) => setTimeout(r, 100));
      }
    });

    for (const protocol of ['imap', 'pop3'] as const) {
      it(`${protocol}: a remote that drops the connection mid-run loses nothing and duplicates nothing`, async () => {
        const user = protocol === 'imap' ? 'erin' : 'gus';
        const existing = await inbox(target, `${user}@${NEW}`, NEW_PASSWORD);
        const sent = await seed(source, `${user}@${OLD}`, Array.from({ length: 40 }, (_, i) => ({ folder: 'INBOX', flags: [], date: new Date(Date.UTC(2025, 0, 1, i)) })));
        const relay = await droppingRelay({ host: '127.0.0.1', port: protocol === 'imap' ? source.ports.imap : source.ports.pop3 }, 12_000, 1);
        try {
          const id = await add(
            target,
            [`${user}@${NEW}`, '--protocol', protocol, '--host', '127.0.0.1', '--port', String(relay.port), '--tls', 'starttls', '--username', `${user}@${OLD}`, ...(protocol === 'imap' ? ['--folders', 'INBOX'] : [])],
            OLD_PASSWORD,
          );
          const cut = await firstRun(target, id);
          assert.equal(relay.dropped(), 1, 'the connection was not cut');
          assert.ok(cut.account.lastError, 'the cut run recorded no error');
          assert.ok(cut.account.messagesFetched < 40, `everything was fetched before the cut (${cut.account.messagesFetched})`);
          const second = await run(target, id);
          assert.equal(second.error, null, JSON.stringify(second.error));
          const fetched = (await inboxOnceDelivered(target, `${user}@${NEW}`, sent, existing.length)).filter((m) => !existing.some((e) => e.messageId === m.messageId));
          assertFetched(`${user} after the cut and a second run`, fetched, sent);
          assert.equal((await inbox(source, `${user}@${OLD}`, OLD_PASSWORD)).length, 0, 'the delivered messages were deleted remotely');
          assert.equal((await show(target, id)).account.messagesFetched, 40);
        } finally {
          await relay.close();
        }
      });
    }

    it('runs started at once (the scheduler after add, and several `fetch run`) never take a message twice', async () => {
      const sent = await seed(source, `hal@${OLD}`, Array.from({ length: 20 }, (_, i) => ({ folder: 'INBOX', flags: [], date: new Date(Date.UTC(2025, 1, 1, i)) })));
      const id = await add(target, [`hal@${NEW}`, '--protocol', 'pop3', '--host', '127.0.0.1', '--port', String(source.ports.pop3), '--tls', 'starttls', '--username', `hal@${OLD}`], OLD_PASSWORD);
      const runs = await Promise.all([0, 1, 2].map(() => run(target, id)));
      await firstRun(target, id);
      const last = await run(target, id);
      assert.ok(runs.every((r) => r.error === null), JSON.stringify(runs));
      assert.equal(last.error, null);
      assertFetched('hal', await inboxOnceDelivered(target, `hal@${NEW}`, sent), sent);
      assert.equal((await show(target, id)).account.messagesFetched, 20);
    });

    for (const [protocol, user] of [
      ['imap', 'ivy'],
      ['pop3', 'jon'],
    ] as const) {
      it(`${protocol}: a message over REMOTE_MAX_MESSAGE_SIZE is skipped with an error, left on the server, and does not block the others`, async () => {
        const small = await seed(source, `${user}@${OLD}`, [{ folder: 'INBOX', flags: [], date: new Date(Date.UTC(2025, 2, 1)) }]);
        const client = imap(source, `${user}@${OLD}`, OLD_PASSWORD);
        await client.connect();
        await client.append('INBOX', Buffer.from(`Subject: big\r\nMessage-ID: <big-${user}@e2e.test>\r\n\r\n${'0123456789abcdef\r\n'.repeat(1000)}`));
        await client.logout();
        const id = await add(target, [`${user}@${NEW}`, '--protocol', protocol, '--host', '127.0.0.1', '--port', String(protocol === 'imap' ? source.ports.imap : source.ports.pop3), '--tls', 'starttls', '--username', `${user}@${OLD}`], OLD_PASSWORD);
        const first = await firstRun(target, id);
        assert.equal(first.account.lastError, null, 'a skipped message does not fail the run');
        assert.match(first.recentErrors[0]?.message ?? '', /larger than 8192: skipped, left on the server/);
        assertFetched(`${user}`, await inboxOnceDelivered(target, `${user}@${NEW}`, small), small);
        const remaining = await inbox(source, `${user}@${OLD}`, OLD_PASSWORD);
        assert.deepEqual(remaining.map((m) => m.messageId), [`<big-${user}@e2e.test>`], 'the big one stays, the delivered one went');
        const again = await run(target, id);
        assert.deepEqual({ fetched: again.fetched, error: again.error }, { fetched: 0, error: null });
        assert.equal((await show(target, id)).recentErrors.length, 1, 'skipped once, not reported on every run');
      });
    }

    it('exports run, message and error metrics', async () => {
      const text = await metricsText(target);
      assert.match(text, /^mail_fetch_runs_total\{[^}]*protocol="imap"[^}]*result="ok"[^}]*\} [1-9]/m);
      assert.match(text, /^mail_fetch_messages_total\{[^}]*protocol="pop3"[^}]*\} [1-9]/m);
      assert.match(text, /^mail_fetch_errors_total\{[^}]*kind="auth"[^}]*\} [1-9]/m);
      assert.match(text, /^mail_fetch_bytes_total/m);
    });

    it('refuses plaintext to a remote host that is not this machine unless --insecure', async () => {
      const r = await mailctl(target, ['fetch', 'add', `ann@${NEW}`, '--protocol', 'pop3', '--host', 'pop.example.com', '--tls', 'none', '--username', 'ann', '--password-stdin'], 'pw\n');
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /in the clear/);
      const unknown = await mailctl(target, ['fetch', 'add', `nobody@${NEW}`, '--protocol', 'imap', '--host', '127.0.0.1', '--username', 'x', '--password-stdin'], 'pw\n');
      assert.notEqual(unknown.code, 0);
    });
  });
}
