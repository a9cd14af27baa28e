import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import { InProcessBus } from '@mail/bus';
import { FsBlobStore } from '@mail/blob';
import { loadOrCreateTls } from '@mail/config';
import { ConnectorSnapshot, EnqueueMessage, ResolveRecipient, VerifyLogin } from '@mail/contracts';
import { NetworkList } from '@mail/limits';
import { RawSmtpClient } from './raw-smtp-client.js';
import type { SmtpInConfig } from './smtp-in.config.js';
import { SmtpInService } from './smtp-in.service.js';

const ALICE = { accountId: randomUUID(), address: 'alice@example.com' };

/** smtp-in over real sockets with a bus that accepts alice@example.com, for what attackers send (issue 11). */
async function hostileSmtp(overrides: Partial<SmtpInConfig> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'smtp-hostile-'));
  const tls = await loadOrCreateTls({ dataDir: dir, hostname: 'mx.test' });
  const bus = new InProcessBus({ service: 'smtp-hostile-test' });
  const queued: string[] = [];
  await bus.handle(VerifyLogin, async () => ({ ok: false as const, reason: 'invalid' as const }));
  await bus.handle(ConnectorSnapshot, async () => ({ connectors: [], version: 'empty' }));
  await bus.handle(ResolveRecipient, async ({ address }) =>
    address === ALICE.address ? { kind: 'local' as const, deliverTo: [ALICE], forwardTo: [] } : { kind: 'unknown' as const },
  );
  await bus.handle(EnqueueMessage, async (p) => {
    queued.push(p.messageId ?? '');
    return { queueId: randomUUID() };
  });
  const config: SmtpInConfig = {
    host: '127.0.0.1',
    mxPort: 0,
    submissionPort: 0,
    hostname: 'mx.test',
    tls,
    allowPlaintextAuth: true,
    maxMessageSize: 64 * 1024,
    maxRecipients: 10,
    maxConnections: 100,
    closeTimeoutMs: 200,
    inboundAuth: { enabled: false },
    ...overrides,
  };
  const service = new SmtpInService(config, bus, new FsBlobStore(join(dir, 'blobs')));
  const ports = await service.start();
  const clients: RawSmtpClient[] = [];
  return {
    ports,
    queued,
    async raw(port = ports.mx) {
      const c = await RawSmtpClient.connect(port);
      clients.push(c.client);
      return c;
    },
    send: (subject: string) =>
      nodemailer
        .createTransport({ host: '127.0.0.1', port: ports.mx, secure: false, ignoreTLS: true })
        .sendMail({ from: 'someone@remote.test', to: ALICE.address, subject, text: 'hello', messageId: `<${subject}@remote.test>` }),
    async close() {
      for (const c of clients) c.close();
      await service.stop();
      await bus.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

describe('SMTP connection limits', () => {
  it('answers 421 4.7.0 to a client past its connection limit while another client is served', async () => {
    const env = await hostileSmtp({ limits: { maxPerClient: 2, exempt: new NetworkList('') } });
    try {
      const a = await env.raw();
      const b = await env.raw();
      assert.match(a.greeting, /^220 /);
      assert.match(b.greeting, /^220 /);
      const refused = await env.raw();
      assert.match(refused.greeting, /^421 4\.7\.0 too many connections from your address/);
      a.client.close();
      // the slot comes back once the connection is gone
      for (;;) {
        const again = await env.raw();
        if (again.greeting.startsWith('220')) break;
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await env.close();
    }
  });

  it('exempts the configured networks from the per-client limit but not from the listener limit', async () => {
    const env = await hostileSmtp({ maxConnections: 3, limits: { maxPerClient: 1, exempt: new NetworkList('127.0.0.0/8') } });
    try {
      for (let i = 0; i < 3; i++) assert.match((await env.raw()).greeting, /^220 /);
      assert.match((await env.raw()).greeting, /^421 4\.7\.0 too many connections,/);
    } finally {
      await env.close();
    }
  });

  it('closes a connection that trickles bytes without starting a transaction in time', async () => {
    const env = await hostileSmtp({ limits: { maxPerClient: 0, preMailDeadlineMs: 300 } });
    try {
      const { client } = await env.raw();
      const trickle = setInterval(() => client.write('N'), 20);
      assert.match(await client.read(), /^421 4\.4\.2 /);
      clearInterval(trickle);
      assert.equal(await client.read(), '');
      // a client that gets on with it is not cut off at the deadline
      const { client: ok } = await env.raw();
      assert.match(await ok.cmd('EHLO client.test'), /^250/);
      assert.match(await ok.cmd('MAIL FROM:<someone@remote.test>'), /^250/);
      await new Promise((r) => setTimeout(r, 400));
      assert.match(await ok.cmd(`RCPT TO:<${ALICE.address}>`), /^250/);
    } finally {
      await env.close();
    }
  });
});

describe('SMTP rate limits per client', () => {
  it('answers 450 4.7.1 past the messages and recipients a client may send per minute', async () => {
    const env = await hostileSmtp({ limits: { maxPerClient: 0, exempt: new NetworkList(''), rates: { messagesPerMinute: 2, recipientsPerMinute: 3, failedRecipientsPerConnection: 0 } } });
    try {
      const { client } = await env.raw();
      await client.cmd('EHLO client.test');
      for (let i = 0; i < 2; i++) {
        assert.match(await client.cmd('MAIL FROM:<someone@remote.test>'), /^250/);
        assert.match(await client.cmd('RSET'), /^250/);
      }
      assert.match(await client.cmd('MAIL FROM:<someone@remote.test>'), /^450 4\.7\.1 too many messages/);
    } finally {
      await env.close();
    }
    const env2 = await hostileSmtp({ limits: { maxPerClient: 0, exempt: new NetworkList(''), rates: { messagesPerMinute: 0, recipientsPerMinute: 3, failedRecipientsPerConnection: 0 } } });
    try {
      const { client } = await env2.raw();
      await client.cmd('EHLO client.test');
      assert.match(await client.cmd('MAIL FROM:<someone@remote.test>'), /^250/);
      for (let i = 0; i < 3; i++) assert.match(await client.cmd(`RCPT TO:<${ALICE.address}>`), /^250/);
      assert.match(await client.cmd(`RCPT TO:<${ALICE.address}>`), /^450 4\.7\.1 too many recipients/);
    } finally {
      await env2.close();
    }
  });

  it('hangs up on a recipient harvester after too many unknown recipients', async () => {
    const env = await hostileSmtp({ limits: { maxPerClient: 0, exempt: new NetworkList(''), rates: { messagesPerMinute: 0, recipientsPerMinute: 0, failedRecipientsPerConnection: 3 } } });
    try {
      const { client } = await env.raw();
      await client.cmd('EHLO client.test');
      assert.match(await client.cmd('MAIL FROM:<someone@remote.test>'), /^250/);
      assert.match(await client.cmd('RCPT TO:<guess1@example.com>'), /^550/);
      assert.match(await client.cmd('RCPT TO:<guess2@example.com>'), /^550/);
      assert.match(await client.cmd('RCPT TO:<guess3@example.com>'), /^421 4\.7\.0 too many unknown recipients/);
      assert.equal(await client.read(), '', 'closed');
      // a normal sender is not affected
      assert.match((await env.send('after the harvester')).response, /^250/);
    } finally {
      await env.close();
    }
  });
});

