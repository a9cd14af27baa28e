import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

const TOKEN = 'cli-test-token-1234567890';
const MAIN = join(__dirname, 'main.js');

interface Seen {
  method: string;
  url: string;
  auth?: string;
  body: unknown;
}

function run(args: string[], env: Record<string, string>, input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const c of req) text += c;
  return text ? JSON.parse(text) : undefined;
}

describe('mailctl against an HTTP server', () => {
  let server: Server;
  let url: string;
  let dataDir: string;
  const seen: Seen[] = [];

  before(async () => {
    server = createServer(async (req, res) => {
      const body = await readBody(req);
      seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body });
      const reply = (status: number, json: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return reply(401, { error: { code: 'UNAUTHORIZED', message: 'a valid bearer token is required' } });
      if (req.method === 'POST' && req.url === '/api/v1/domains') return reply(201, { id: 'x', name: (body as { name: string }).name, createdAt: '2026-01-01T00:00:00Z' });
      if (req.method === 'GET' && req.url === '/api/v1/accounts') {
        return reply(200, { accounts: [{ id: 'i', address: 'alice@example.test', domain: 'example.test', displayName: null, disabled: false, quotaBytes: null, createdAt: '2026-01-01T00:00:00Z' }] });
      }
      if (req.method === 'POST' && req.url === '/api/v1/accounts') return reply(404, { error: { code: 'NOT_FOUND', message: 'domain unhosted.test is not hosted here' } });
      if (req.method === 'PUT') return reply(200, { updated: true });
      reply(404, { error: { code: 'NOT_FOUND', message: 'no such route' } });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dataDir = await mkdtemp(join(tmpdir(), 'mailctl-'));
    await writeFile(join(dataDir, 'admin.token'), `${TOKEN}\n`);
  });

  after(async () => {
    await new Promise((r) => server.close(r));
    await rm(dataDir, { recursive: true, force: true });
  });

  it('runs a command with the token from MAILCTL_TOKEN', async () => {
    const r = await run(['domain', 'add', 'example.test'], { MAILCTL_URL: url, MAILCTL_TOKEN: TOKEN });
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'domain example.test added\n', '']);
    assert.deepEqual(seen.at(-1), { method: 'POST', url: '/api/v1/domains', auth: `Bearer ${TOKEN}`, body: { name: 'example.test' } });
  });

  it('reads the token from $DATA_DIR/admin.token and prints tables or JSON', async () => {
    let r = await run(['user', 'list'], { MAILCTL_URL: url, DATA_DIR: dataDir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ADDRESS\s+NAME\s+STORAGE\s+MESSAGES\s+STATUS\s+CREATED\nalice@example\.test\s+-\s+\?\s+\?\s+active/);
    r = await run(['user', 'list', '--json'], { MAILCTL_URL: url, DATA_DIR: dataDir });
    assert.equal(JSON.parse(r.stdout).accounts[0].address, 'alice@example.test');
  });

  it('reads a password from stdin when it is not a terminal', async () => {
    const r = await run(['user', 'passwd', 'alice@example.test'], { MAILCTL_URL: url, MAILCTL_TOKEN: TOKEN }, 'from stdin secret\nignored\n');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(seen.at(-1), { method: 'PUT', url: '/api/v1/accounts/alice%40example.test/password', auth: `Bearer ${TOKEN}`, body: { password: 'from stdin secret' } });
  });

  it('exits 1 with the API message on API errors', async () => {
    let r = await run(['user', 'add', 'carol@unhosted.test', '--password', 'long password'], { MAILCTL_URL: url, MAILCTL_TOKEN: TOKEN });
    assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', 'mailctl: domain unhosted.test is not hosted here\n']);
    r = await run(['domain', 'list'], { MAILCTL_URL: url, MAILCTL_TOKEN: 'wrong-token' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /bearer token is required \(the token from MAILCTL_TOKEN was refused\)/);
  });

  it('exits 2 on usage errors without calling the API', async () => {
    const before = seen.length;
    const r = await run(['user', 'add'], { MAILCTL_URL: url, MAILCTL_TOKEN: TOKEN });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /usage: mailctl user add <address>/);
    assert.equal(seen.length, before);
  });

  it('says when the server is not there', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const r = await run(['domain', 'list'], { MAILCTL_URL: `http://127.0.0.1:${port}`, MAILCTL_TOKEN: TOKEN });
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`cannot reach the admin API at http://127\\.0\\.0\\.1:${port}: is the server running\\?`));
  });
});
