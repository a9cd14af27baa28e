import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import { mailctl, type PlatformUnderTest } from '@mail/testing';
import { sampleMessage } from './messages.js';

export const OLD_PASSWORD = 'old server password';
export const NEW_PASSWORD = 'new platform password';

export function imap(p: Pick<PlatformUnderTest, 'host' | 'ports'>, user: string, pass: string, port = p.ports.imap): ImapFlow {
  return new ImapFlow({ host: p.host, port, secure: false, auth: { user, pass }, logger: false, disableAutoIdle: true, tls: { rejectUnauthorized: false } });
}

export async function ok(p: PlatformUnderTest, args: string[]): Promise<string> {
  const r = await mailctl(p, args);
  assert.equal(r.code, 0, `mailctl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

export interface SeedMessage {
  folder: string;
  flags: string[];
  date: Date;
}

/** Appends messages over IMAP, as a user's old client left them; returns their raw bytes by Message-ID. */
export async function seed(p: PlatformUnderTest, user: string, messages: SeedMessage[], folders: string[] = []): Promise<Map<string, Buffer>> {
  const client = imap(p, user, OLD_PASSWORD);
  await client.connect();
  const sent = new Map<string, Buffer>();
  try {
    for (const f of folders) await client.mailboxCreate(f).catch(() => undefined);
    for (const m of messages) {
      const msg = sampleMessage({ from: 'someone@elsewhere.test', to: user, subject: `in ${m.folder} ${randomUUID().slice(0, 8)}` });
      await client.append(m.folder, msg.raw, m.flags, m.date);
      sent.set(msg.messageId, msg.raw);
    }
  } finally {
    await client.logout();
  }
  return sent;
}

export interface SeenMessage {
  messageId: string;
  flags: string[];
  date: string;
  source: Buffer;
}

/** Every message of every folder over IMAP: folder → messages. */
export async function mailboxContents(p: PlatformUnderTest, user: string, pass: string): Promise<Map<string, SeenMessage[]>> {
  const client = imap(p, user, pass);
  await client.connect();
  const out = new Map<string, SeenMessage[]>();
  try {
    for (const box of await client.list()) {
      if (box.flags.has('\\Noselect')) continue;
      const lock = await client.getMailboxLock(box.path, { readOnly: true });
      try {
        const exists = (client.mailbox as { exists: number }).exists;
        const msgs: SeenMessage[] = [];
        if (exists > 0) {
          for (const m of await client.fetchAll('1:*', { uid: true, flags: true, internalDate: true, source: true, envelope: true })) {
            msgs.push({ messageId: m.envelope?.messageId ?? '', flags: [...(m.flags ?? [])].filter((f) => f !== '\\Recent').sort(), date: new Date(m.internalDate as Date).toISOString(), source: m.source! });
          }
        }
        out.set(box.path, msgs);
      } finally {
        lock.release();
      }
    }
  } finally {
    await client.logout();
  }
  return out;
}

export async function csvFile(rows: string[][]): Promise<string> {
  const file = join(tmpdir(), `migration-${randomUUID()}.csv`);
  // as Excel saves "CSV UTF-8": a byte order mark and CRLF
  await writeFile(file, `\ufeffEmailAddress,UserName,Password\r\n${rows.map((r) => r.map((c) => `"${c.replace(/"/g, '""')}"`).join(',')).join('\r\n')}\r\n`);
  return file;
}

export interface BatchStatus {
  state: string;
  counts: { messagesDone: number; messagesTotal: number; errors: number; byState: Record<string, number> };
  users: Array<{ emailAddress: string; state: string; messagesDone: number; messagesTotal: number; bytesDone: number; errors: number; attempts: number; lastError: string | null; folders: number; folderDetails?: Array<{ remotePath: string; localName: string; messagesDone: number }> }>;
}

export async function status(p: PlatformUnderTest, name: string, user?: string): Promise<BatchStatus> {
  return JSON.parse(await ok(p, ['migration', 'status', name, '--json', ...(user ? ['--user', user] : [])])) as BatchStatus;
}

export async function waitFor(p: PlatformUnderTest, name: string, until: (s: BatchStatus) => boolean, timeoutMs = 180_000): Promise<BatchStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await status(p, name);
    if (until(s)) return s;
    if (Date.now() > deadline) throw new Error(`batch ${name} never got there: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/**
 * A TCP relay in front of the source server that cuts the first `cuts` connections once the
 * server has sent `afterBytes` bytes on them: a source that drops the connection mid-copy.
 */
export async function droppingRelay(target: { host: string; port: number }, afterBytes: number, cuts: number): Promise<{ port: number; dropped: () => number; close: () => Promise<void> }> {
  let dropped = 0;
  let connections = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const cut = connections++ < cuts;
    const upstream = connect(target.port, target.host);
    sockets.add(client).add(upstream);
    let sent = 0;
    upstream.on('data', (chunk: Buffer) => {
      sent += chunk.length;
      if (cut && sent > afterBytes) {
        dropped++;
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    client.on('data', (chunk) => upstream.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    dropped: () => dropped,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** The copy holds every source message once, bytes, flags and internal date unchanged. */
export function assertSameMessages(where: string, source: SeenMessage[], copy: SeenMessage[]): void {
  const ids = copy.map((m) => m.messageId);
  assert.equal(new Set(ids).size, ids.length, `${where}: a message was copied twice`);
  assert.equal(copy.length, source.length, `${where}: ${copy.length} messages, the source has ${source.length}`);
  const byId = new Map(copy.map((m) => [m.messageId, m]));
  for (const s of source) {
    const c = byId.get(s.messageId);
    assert.ok(c, `${where}: ${s.messageId} missing`);
    assert.ok(c.source.equals(s.source), `${where}: ${s.messageId} bytes differ`);
    assert.deepEqual(c.flags, s.flags, `${where}: ${s.messageId} flags`);
    assert.equal(c.date, s.date, `${where}: ${s.messageId} internal date`);
  }
}
