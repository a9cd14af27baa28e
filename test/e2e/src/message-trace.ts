import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { mailctl, type PlatformUnderTest } from '@mail/testing';
import { sampleMessage } from './messages.js';

const DOMAIN = 'trace.test';
const TINA = `tina@${DOMAIN}`;
const TEAM = `team@${DOMAIN}`;
const PASSWORD = 'correct horse battery';

export interface TracedMessage {
  messageId: string | null;
  sender: string;
  recipients: string[];
  status: string;
  receivedAt: string;
  traceId: string | null;
  events: Array<{ at: string; event: string; recipient: string | null; detail: string | null; connector: string | null; service: string }>;
}

/** A remote MTA on loopback that the platform relays to; it answers with a reply the trace must show. */
export async function startFakeRemote(): Promise<{ port: number; received: string[]; close(): Promise<void> }> {
  const received: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, cb) {
      stream.resume();
      stream.on('end', () => {
        received.push(...session.envelope.rcptTo.map((r) => r.address));
        cb(null, 'Ok: queued as FAKE4242');
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.server.address() as AddressInfo).port, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

export async function trace(p: PlatformUnderTest, query: Record<string, string>): Promise<{ status: number; body: { messages: TracedMessage[]; error?: { code: string; message: string } } }> {
  const res = await fetch(`${p.adminUrl}/api/v1/trace?${new URLSearchParams(query)}`, { headers: { authorization: `Bearer ${p.adminToken}` } });
  return { status: res.status, body: (await res.json()) as never };
}

/** Polls the trace until `done` holds for the message found (recording is batched and asynchronous). */
export async function traceUntil(p: PlatformUnderTest, query: Record<string, string>, done: (m: TracedMessage) => boolean, timeoutMs = 30_000): Promise<TracedMessage> {
  const deadline = Date.now() + timeoutMs;
  let last: TracedMessage[] = [];
  for (;;) {
    const { status, body } = await trace(p, query);
    assert.equal(status, 200, JSON.stringify(body));
    last = body.messages;
    const m = last.find(done);
    if (m) return m;
    if (Date.now() > deadline) throw new Error(`trace ${JSON.stringify(query)} never got there: ${JSON.stringify(last, null, 2)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Message trace end to end (issue 12), as an administrator uses it: mail sent over real SMTP, then
 * found with the admin API and with `mailctl trace`. `start` gets the port of a fake remote MTA
 * to use as the relay host.
 */
export function messageTraceScenario(name: string, start: (relayPort: number) => Promise<PlatformUnderTest>): void {
  describe(`message trace (${name})`, { timeout: 180_000 }, () => {
    let p: PlatformUnderTest;
    let remote: Awaited<ReturnType<typeof startFakeRemote>>;

    before(async () => {
      remote = await startFakeRemote();
      p = await start(remote.port);
      for (const args of [
        ['domain', 'add', DOMAIN],
        ['user', 'add', TINA, '--password', PASSWORD],
        ['alias', 'add', TEAM, TINA],
      ]) {
        const r = await mailctl(p, args);
        assert.equal(r.code, 0, r.stderr);
      }
    });
    after(async () => {
      await p?.close();
      await remote?.close();
    });

    it('traces a message received on the MX: refused recipient, alias expanded, delivered', async () => {
      const msg = sampleMessage({ from: 'ann@contoso.test', to: TINA, subject: 'traced' });
      const mx = nodemailer.createTransport({ host: p.host, port: p.ports.smtp, tls: { rejectUnauthorized: false } });
      const info = await mx.sendMail({ envelope: { from: 'Ann@Contoso.test', to: [TINA, TEAM, `nobody@${DOMAIN}`] }, raw: msg.raw });
      assert.deepEqual(info.rejected, [`nobody@${DOMAIN}`]);

      const m = await traceUntil(p, { sender: '*@contoso.test' }, (x) => x.messageId === msg.messageId && x.status !== 'pending');
      assert.equal(m.sender, 'ann@contoso.test');
      assert.equal(m.status, 'partial', 'two delivered, one refused');
      assert.deepEqual([...m.recipients].sort(), [`nobody@${DOMAIN}`, TEAM, TINA].sort());
      assert.match(m.traceId ?? '', /^[0-9a-f]{32}$/);
      const refused = m.events.find((e) => e.event === 'rejected');
      assert.equal(refused?.recipient, `nobody@${DOMAIN}`);
      assert.equal(refused?.service, 'smtp-in');
      assert.match(refused?.detail ?? '', /RCPT TO refused: 550 5\.1\.1/);
      const received = m.events.find((e) => e.event === 'received');
      assert.match(received?.detail ?? '', new RegExp(`smtp port ${p.ports.smtp} from 127\\.0\\.0\\.1`));
      assert.match(received?.detail ?? '', /TLSv1\.[23] /, 'nodemailer upgraded with STARTTLS');
      assert.match(m.events.find((e) => e.event === 'expanded')?.detail ?? '', new RegExp(`expanded to mailbox ${TINA}`));
      assert.deepEqual(m.events.filter((e) => e.event === 'delivered').map((e) => e.recipient).sort(), [TEAM, TINA].sort());
      for (const e of m.events) assert.ok(!Number.isNaN(Date.parse(e.at)) && e.service, JSON.stringify(e));

      // the same message by recipient, by Message-ID without brackets and by client IP
      const queries: Array<Record<string, string>> = [{ recipient: TEAM }, { messageId: msg.messageId.slice(1, -1) }, { clientIp: '127.0.0.*', sender: 'ann@contoso.test' }];
      for (const q of queries) {
        const { body } = await trace(p, q);
        assert.ok(body.messages.some((x) => x.messageId === msg.messageId), JSON.stringify(q));
      }

      const search = await mailctl(p, ['trace', 'search', '--sender', '*@contoso.test', '--status', 'partial']);
      assert.equal(search.code, 0, search.stderr);
      assert.match(search.stdout, /RECEIVED\s+STATUS\s+FROM\s+TO\s+MESSAGE-ID/);
      assert.ok(search.stdout.includes(msg.messageId), search.stdout);
      const show = await mailctl(p, ['trace', 'show', msg.messageId]);
      assert.equal(show.code, 0, show.stderr);
      assert.match(show.stdout, /rejected\s+nobody@trace\.test\s+smtp-in/);
      assert.match(show.stdout, new RegExp(`delivered\\s+${TINA.replace('.', '\\.')}\\s+delivery`));
      const json = await mailctl(p, ['trace', 'search', '--message-id', msg.messageId, '--json']);
      assert.equal(json.code, 0, json.stderr);
      const parsed = JSON.parse(json.stdout) as { messages: TracedMessage[] };
      assert.deepEqual(Object.keys(parsed.messages[0]).sort(), ['events', 'messageId', 'receivedAt', 'recipients', 'sender', 'status', 'traceId']);
      assert.deepEqual(Object.keys(parsed.messages[0].events[0]).sort(), ['at', 'connector', 'detail', 'event', 'recipient', 'service']);
    });

    it('traces a relayed message with the remote host and its reply, and who sent it', async () => {
      const msg = sampleMessage({ from: TINA, to: 'zoe@remote.test', subject: 'relayed' });
      const submission = nodemailer.createTransport({ host: p.host, port: p.ports.submission, requireTLS: true, auth: { user: TINA, pass: PASSWORD }, tls: { rejectUnauthorized: false } });
      await submission.sendMail({ envelope: { from: TINA, to: ['zoe@remote.test'] }, raw: msg.raw });

      const m = await traceUntil(p, { messageId: msg.messageId }, (x) => x.status === 'delivered');
      const relayed = m.events.find((e) => e.event === 'relayed');
      assert.equal(relayed?.recipient, 'zoe@remote.test');
      assert.match(relayed?.detail ?? '', /queued as FAKE4242/);
      assert.match(relayed?.detail ?? '', new RegExp(`remote host 127\\.0\\.0\\.1:${remote.port}`));
      assert.match(m.events.find((e) => e.event === 'received')?.detail ?? '', new RegExp(`submission port ${p.ports.submission} .*TLSv1\\.[23] .*authenticated as ${TINA}`));
      assert.ok(remote.received.includes('zoe@remote.test'));
    });

    it('refuses a search without sender, recipient, messageId or clientIp', async () => {
      const { status, body } = await trace(p, { status: 'delivered' });
      assert.equal(status, 400);
      assert.match(body.error?.message ?? '', /at least one of sender, recipient, messageId, clientIp/);
      const r = await mailctl(p, ['trace', 'search', '--status', 'failed']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /at least one of --sender/);
    });
  });
}
