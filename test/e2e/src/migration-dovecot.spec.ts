// Migration from a real Dovecot (Debian's dovecot-imapd), when it is installed: a private instance
// on a loopback port, Courier-style namespace ("INBOX." prefix, "." separator), an Exchange-named
// "Sent Items" without SPECIAL-USE and a Junk with it. Skipped, saying why, without Dovecot.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, startEmbeddedForTest, type PlatformUnderTest } from '@mail/testing';
import { NEW_PASSWORD, OLD_PASSWORD, assertSameMessages, csvFile, mailboxContents, ok, seed, waitFor } from './migration-batch-scenario.js';

function dovecotBinary(): string | null {
  try {
    return execFileSync('which', ['dovecot']).toString().trim() || null;
  } catch {
    return null;
  }
}

function unprivileged(): { uid: number; gid: number } | null {
  for (const name of ['mail', 'nobody']) {
    try {
      return { uid: Number(execFileSync('id', ['-u', name]).toString().trim()), gid: Number(execFileSync('id', ['-g', name]).toString().trim()) };
    } catch {
      /* the next one */
    }
  }
  return null;
}

async function waitPort(port: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) return;
    if (Date.now() > deadline) throw new Error(`dovecot did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const dovecot = dovecotBinary();
const owner = unprivileged();
const reason = !dovecot ? 'Dovecot is not installed (apt-get install dovecot-imapd)' : process.getuid?.() !== 0 ? 'starting a private Dovecot needs root' : !owner ? 'no unprivileged user to own the mailboxes' : null;

describe('migration batches from Dovecot', { skip: reason ?? false, timeout: 180_000 }, () => {
  let dir: string;
  let port: number;
  let target: PlatformUnderTest;
  const conf = () => join(dir, 'dovecot.conf');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mig-dovecot-'));
    port = await freePort();
    // Dovecot's auth worker and mail processes run as other users: they must reach their files
    chmodSync(dir, 0o755);
    for (const sub of ['run', 'state', 'mail']) mkdirSync(join(dir, sub));
    chownSync(join(dir, 'mail'), owner!.uid, owner!.gid);
    writeFileSync(join(dir, 'users'), `ann:{PLAIN}${OLD_PASSWORD}::::\n`, { mode: 0o644 });
    writeFileSync(
      conf(),
      `instance_name = mig-test-${port}
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:${dir}/mail/%n/Maildir
first_valid_uid = ${owner!.uid}
passdb {
  driver = passwd-file
  args = username_format=%n ${dir}/users
}
userdb {
  driver = static
  args = uid=${owner!.uid} gid=${owner!.gid} home=${dir}/mail/%n
}
namespace inbox {
  inbox = yes
  separator = .
  prefix = INBOX.
  mailbox "Sent Items" {
    auto = create
  }
  mailbox Junk {
    auto = create
    special_use = \\Junk
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
`,
    );
    await new Promise<void>((resolve, reject) => {
      const child = spawn(dovecot!, ['-c', conf()], { stdio: 'inherit' });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`dovecot exited with ${code}`))));
    });
    await waitPort(port);
    target = await startEmbeddedForTest({ env: { MIGRATION_BATCH_POLL_MS: '100', MIGRATION_BATCH_RETRY_MS: '100' } });
    await ok(target, ['domain', 'add', 'new.test']);
    await ok(target, ['user', 'add', 'ann@new.test', '--password', NEW_PASSWORD]);
  });

  after(async () => {
    if (dir) {
      try {
        execFileSync('doveadm', ['-c', conf(), 'stop']);
      } catch {
        /* not started */
      }
    }
    await target?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('copies a Courier-style hierarchy, maps Sent Items and \\Junk, keeps bytes, flags, keywords and dates', async () => {
    const source = { host: '127.0.0.1', ports: { imap: port } } as PlatformUnderTest;
    await seed(
      source,
      'ann',
      [
        { folder: 'INBOX', flags: ['\\Seen', '$Forwarded'], date: new Date('2015-05-05T05:05:05Z') },
        { folder: 'INBOX', flags: [], date: new Date('2016-06-06T06:06:06Z') },
        { folder: 'INBOX.Sent Items', flags: ['\\Seen'], date: new Date('2017-07-07T07:07:07Z') },
        { folder: 'INBOX.Junk', flags: [], date: new Date('2018-08-08T08:08:08Z') },
        { folder: 'INBOX.Lists.node', flags: ['\\Flagged', 'Important'], date: new Date('2019-09-09T09:09:09Z') },
      ],
      ['INBOX.Lists', 'INBOX.Lists.node'],
    );
    const csv = await csvFile([['ann@new.test', 'ann', OLD_PASSWORD]]);
    await ok(target, ['migration', 'create', 'from-dovecot', '--csv', csv, '--host', '127.0.0.1', '--port', String(port), '--tls', 'none']);
    await ok(target, ['migration', 'start', 'from-dovecot']);
    const synced = await waitFor(target, 'from-dovecot', (s) => s.state === 'synced' || s.users.some((u) => u.state === 'failed'));
    assert.equal(synced.users[0].state, 'synced', synced.users[0].lastError ?? '');

    const before = await mailboxContents(source, 'ann', OLD_PASSWORD);
    const after = await mailboxContents(target, 'ann@new.test', NEW_PASSWORD);
    for (const [from, to] of [
      ['INBOX', 'INBOX'],
      ['INBOX.Sent Items', 'Sent'],
      ['INBOX.Junk', 'Junk'],
      ['INBOX.Lists.node', 'Lists/node'],
    ]) {
      assertSameMessages(`${from} → ${to}`, before.get(from) ?? [], after.get(to) ?? []);
    }
  });
});
