import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSocket } from 'node:dgram';

/**
 * The embedded process (main.js, as `npm start` runs it) loads the libraries of features an idle
 * process does not use only when the feature is first used (ADR 0084), and each still works then.
 */
const LAZY = { mailauth: '/node_modules/mailauth/', yaml: '/node_modules/yaml/', selfsigned: '/node_modules/selfsigned/', x509: '/node_modules/@peculiar/x509/' };

describe('the embedded process loads what a feature needs at its first use (ADR 0084)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'standalone-lazy-'));
  const preload = join(dir, 'modules.cjs');
  const listFile = join(dir, 'modules.txt');
  const adminToken = randomBytes(24).toString('base64url');
  let child: ChildProcess;
  let ports: { smtp: number; admin: number };

  /** the modules the process has loaded now (the preload writes them on SIGUSR2) */
  async function loaded(): Promise<Record<keyof typeof LAZY, number>> {
    rmSync(listFile, { force: true });
    child.kill('SIGUSR2');
    for (let i = 0; i < 200; i++) {
      try {
        const list = readFileSync(listFile, 'utf8').split('\n');
        return Object.fromEntries(Object.entries(LAZY).map(([k, part]) => [k, list.filter((m) => m.includes(part)).length])) as Record<keyof typeof LAZY, number>;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new Error('no module list from the process');
  }
  const admin = async (path: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${ports.admin}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    assert.ok(res.ok, `${path}: ${res.status} ${await res.clone().text()}`);
    return res.json() as Promise<Record<string, unknown>>;
  };

  before(async () => {
    // DNS at a closed port of this machine: every lookup fails at once (temperror), nothing leaves it
    const udp = createSocket('udp4');
    const dnsPort = await new Promise<number>((r) => udp.bind(0, '127.0.0.1', () => r(udp.address().port)));
    await new Promise<void>((r) => udp.close(() => r()));
    // written after the module list is complete: a rename, so the reader never sees half of it
    writeFileSync(preload, `process.on('SIGUSR2', () => { const fs = require('node:fs'); fs.writeFileSync(${JSON.stringify(listFile)} + '.tmp', Object.keys(require.cache).join('\\n')); fs.renameSync(${JSON.stringify(listFile)} + '.tmp', ${JSON.stringify(listFile)}); });\n`);
    child = spawn(process.execPath, ['--require', preload, join(__dirname, 'main.js')], {
      env: {
        PATH: process.env.PATH,
        DATA_DIR: join(dir, 'data'),
        BIND_HOST: '127.0.0.1',
        HOSTNAME_FQDN: 'localhost',
        LOG_LEVEL: 'warn',
        SMTP_PORT: '0',
        SUBMISSION_PORT: '0',
        IMAP_PORT: '0',
        POP3_PORT: '0',
        ADMIN_PORT: '0',
        ADMIN_TOKEN: adminToken,
        DNS_SERVERS: `127.0.0.1:${dnsPort}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stderr!.on('data', (d) => (out += d));
    ports = await new Promise((resolve, reject) => {
      child.stdout!.on('data', (d) => {
        out += d;
        const smtp = out.match(/SMTP \(MX\)\s+[\d.]+:(\d+)/);
        const adminPort = out.match(/admin API\s+http:\/\/[\d.]+:(\d+)/);
        if (smtp && adminPort) resolve({ smtp: Number(smtp[1]), admin: Number(adminPort[1]) });
      });
      child.once('exit', (code) => reject(new Error(`standalone exited with ${code}:\n${out}`)));
    });
  });
  after(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('after a first start (its self-signed certificate made) it has loaded no mail-auth, YAML or certificate library', async () => {
    assert.deepEqual(await loaded(), { mailauth: 0, yaml: 0, selfsigned: 0, x509: 0 });
  });

  it('the first message received loads mailauth, and the message is accepted', async () => {
    await admin('/api/v1/domains', { name: 'example.test' });
    await admin('/api/v1/accounts', { address: 'rcpt@example.test', password: 'lazy-modules-password' });
    const replies = await smtpSend(ports.smtp, 'sender@elsewhere.test', 'rcpt@example.test', 'Subject: first\r\n\r\nhello\r\n');
    assert.match(replies.at(-2) ?? '', /^250 /, replies.join(' | '));
    assert.ok((await loaded()).mailauth > 0);
  });

  it('the first connector export loads the YAML library and answers YAML', async () => {
    const exported = await admin('/api/v1/connectors/export');
    assert.match(String(exported.yaml), /^# mail platform connectors/);
    assert.ok((await loaded()).yaml > 0);
  });
});

/** one SMTP transaction, the server's replies in order (the last is QUIT's) */
async function smtpSend(port: number, from: string, to: string, message: string): Promise<string[]> {
  const socket = connect(port, '127.0.0.1');
  const replies: string[] = [];
  let buf = '';
  let waiting: ((line: string) => void) | undefined;
  const queued: string[] = [];
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\r\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 2);
      if (/^\d{3}-/.test(line)) continue; // a multiline reply's continuation
      if (waiting) {
        const w = waiting;
        waiting = undefined;
        w(line);
      } else queued.push(line);
    }
  });
  const reply = () => new Promise<string>((resolve) => (queued.length ? resolve(queued.shift()!) : (waiting = resolve)));
  const say = async (line: string) => {
    socket.write(`${line}\r\n`);
    replies.push(await reply());
  };
  replies.push(await reply());
  await say('EHLO client.elsewhere.test');
  await say(`MAIL FROM:<${from}>`);
  await say(`RCPT TO:<${to}>`);
  await say('DATA');
  await say(`From: <${from}>\r\nTo: <${to}>\r\n${message}.`);
  await say('QUIT');
  socket.destroy();
  return replies;
}
