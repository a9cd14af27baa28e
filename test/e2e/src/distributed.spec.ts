import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import nodemailer from 'nodemailer';
import { Pop3TestClient, mailctl, startDistributedPlatform, type DistributedPlatform } from '@mail/testing';
import { sampleMessage } from './messages.js';
import { imapClient, mailRoundTrip, waitForMessages } from './scenario.js';
import { localRouting } from './routing-scenario.js';

const databaseAdminUrl = process.env.TEST_DATABASE_URL;
const natsUrl = process.env.TEST_NATS_URL;

if (!databaseAdminUrl || !natsUrl) {
  test('distributed mode needs TEST_DATABASE_URL and TEST_NATS_URL', { skip: process.env.CI !== 'true' }, () => {
    throw new Error('CI=true: the distributed end-to-end tests are mandatory');
  });
} else {
  mailRoundTrip('distributed mode: every service its own process over NATS, PostgreSQL and S3', () =>
    startDistributedPlatform({ databaseAdminUrl, natsUrl }),
  );

  localRouting('distributed mode: groups from auth, usage from the store, over NATS', () => startDistributedPlatform({ databaseAdminUrl, natsUrl }));

  describe('replicas (distributed mode)', { timeout: 180_000 }, () => {
    let p: DistributedPlatform;
    let accessPorts: { imap: number; pop3: number };
    before(async () => {
      p = await startDistributedPlatform({ databaseAdminUrl, natsUrl });
      // a second replica of every stateless service: they must share work, not duplicate it
      const secondAccess = await p.addReplica('access');
      await p.addReplica('store');
      await p.addReplica('delivery');
      await p.addReplica('auth');
      accessPorts = { imap: Number(secondAccess.env.IMAP_PORT), pop3: Number(secondAccess.env.POP3_PORT) };
      assert.equal((await mailctl(p, ['domain', 'add', 'replica.test'])).code, 0);
      assert.equal((await mailctl(p, ['user', 'add', 'rita@replica.test', '--password', 'correct horse battery'])).code, 0);
    });
    after(async () => {
      await p?.close();
    });

    it('delivers each message exactly once with two store and delivery replicas', async () => {
      const t = nodemailer.createTransport({ host: p.host, port: p.ports.smtp, tls: { rejectUnauthorized: false } });
      for (let i = 0; i < 10; i++) {
        const msg = sampleMessage({ from: 'x@remote.test', to: 'rita@replica.test', subject: `replica ${i}` });
        await t.sendMail({ envelope: { from: 'x@remote.test', to: ['rita@replica.test'] }, raw: msg.raw });
      }
      const client = imapClient(p, 'rita@replica.test', 'correct horse battery', accessPorts.imap);
      await client.connect();
      try {
        await waitForMessages(client, 10);
        await new Promise((r) => setTimeout(r, 500));
        const status = (await client.status('INBOX', { messages: true })) as { messages?: number };
        assert.equal(status.messages, 10);
      } finally {
        await client.logout();
      }
    });

    it('locks a POP3 maildrop across access replicas', async () => {
      const a = await Pop3TestClient.connect(p.host, p.ports.pop3);
      await a.client.stls();
      await a.client.command('USER rita@replica.test');
      assert.match(await a.client.command('PASS correct horse battery'), /^\+OK/);
      const b = await Pop3TestClient.connect(p.host, accessPorts.pop3);
      await b.client.stls();
      await b.client.command('USER rita@replica.test');
      assert.match(await b.client.command('PASS correct horse battery'), /^-ERR \[IN-USE\]/);
      b.client.close();
      await a.client.command('QUIT');
      a.client.close();
    });
  });
}
