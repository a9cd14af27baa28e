import assert from 'node:assert/strict';
import { chmod, lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { mailctl, startEmbeddedForTest } from '@mail/testing';

const DOMAIN = 'private.test';
const ALICE = `alice@${DOMAIN}`;
const PASSWORD = 'correct horse battery';

/** every path under `dir` (itself included) with its permission bits */
async function walk(dir: string, out: Array<{ path: string; mode: number; dir: boolean }> = []) {
  const st = await lstat(dir);
  out.push({ path: dir, mode: st.mode & 0o777, dir: true });
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await walk(path, out);
    else out.push({ path, mode: (await lstat(path)).mode & 0o777, dir: false });
  }
  return out;
}

describe('DATA_DIR is private to the platform user (issue 11)', () => {
  let dataDir: string;
  let platform: Awaited<ReturnType<typeof startEmbeddedForTest>> | undefined;
  let umask: number;

  before(async () => {
    // the usual shell umask and a world-readable directory, as an operator would have made it:
    // the platform has to close both itself
    umask = process.umask(0o022);
    dataDir = await mkdtemp(join(tmpdir(), 'mail-private-'));
    await chmod(dataDir, 0o755);
    // no SECRETS_KEY: the platform generates DATA_DIR/secrets.key; no TLS files: the self-signed pair
    platform = await startEmbeddedForTest({ dataDir });
    for (const args of [['domain', 'add', DOMAIN], ['user', 'add', ALICE, '--password', PASSWORD]]) {
      const r = await mailctl(platform!, args);
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(async () => {
    await platform?.close();
    process.umask(umask);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('after a message is received and stored, no file or directory under DATA_DIR is group- or world-accessible', async () => {
    const mx = nodemailer.createTransport({ host: '127.0.0.1', port: platform!.ports.smtp, secure: false, tls: { rejectUnauthorized: false } });
    await mx.sendMail({ from: 'bob@remote.test', to: ALICE, subject: 'private', text: 'kept for alice only\n' });
    const imap = new ImapFlow({ host: '127.0.0.1', port: platform!.ports.imap, secure: false, auth: { user: ALICE, pass: PASSWORD }, logger: false, tls: { rejectUnauthorized: false }, disableAutoIdle: true });
    await imap.connect();
    try {
      let messages = 0;
      for (let i = 0; i < 100 && messages === 0; i++) {
        const status = await imap.status('INBOX', { messages: true });
        messages = (status && status.messages) || 0;
        if (messages === 0) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(messages, 1, 'the message reached the mailbox');
    } finally {
      await imap.logout();
    }

    const exposed = (entries: Awaited<ReturnType<typeof walk>>) =>
      entries.filter((e) => (e.mode & 0o077) !== 0).map((e) => `${e.path.slice(dataDir.length) || '/'} ${e.mode.toString(8)}`);
    const running = await walk(dataDir);
    const names = running.map((e) => e.path.slice(dataDir.length));
    // the test looked at the places that matter: database, blobs, TLS key, secrets key
    assert.ok(running.some((e, i) => names[i].startsWith('/blobs/') && !e.dir), `no blob file in ${names.join(' ')}`);
    assert.ok(names.includes('/tls/self-signed.key') && names.includes('/secrets.key'), `keys missing in ${names.join(' ')}`);
    assert.ok(running.length > 50, `only ${running.length} entries: PGlite's files are missing`);
    // while running: no directory lets anyone else in, so nothing below is reachable; files are 0600
    // except relation files PGlite made since it opened (it sets 0666 itself, see strip-other-access.ts)
    assert.deepEqual(exposed(running.filter((e) => e.dir || !e.path.startsWith(join(dataDir, 'pglite')))), []);

    // after a stop every single entry is private
    await platform!.close();
    platform = undefined;
    assert.deepEqual(exposed(await walk(dataDir)), []);
  });
});
