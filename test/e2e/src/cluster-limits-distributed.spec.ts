import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import nodemailer from 'nodemailer';
import { mailctl, startDistributedPlatform, type DistributedPlatform } from '@mail/testing';
import { eventually } from './fake-smtp.js';
import { sampleMessage } from './messages.js';

const databaseAdminUrl = process.env.TEST_DATABASE_URL;
const natsUrl = process.env.TEST_NATS_URL;
const LIMIT = 6;

/** one message from the device at 127.0.0.2 through the smtp-in listening on `port`; its reply, or the refusal's */
async function fromDevice(p: DistributedPlatform, port: number): Promise<string> {
  const t = nodemailer.createTransport({ host: p.host, port, secure: false, ignoreTLS: true, localAddress: '127.0.0.2' });
  const msg = sampleMessage({ from: 'scanner@fabrikam.test', to: 'alice@fabrikam.test', subject: 'scan' });
  try {
    return (await t.sendMail({ envelope: { from: 'scanner@fabrikam.test', to: ['alice@fabrikam.test'] }, raw: msg.raw })).response;
  } catch (err) {
    return (err as { response?: string }).response ?? (err as Error).message;
  }
}

if (!databaseAdminUrl || !natsUrl) {
  test('cluster-wide limits need TEST_DATABASE_URL and TEST_NATS_URL', { skip: process.env.CI !== 'true' }, () => {
    throw new Error('CI=true: the cluster-wide limit scenario is mandatory');
  });
} else {
  /**
   * ADR 0039: a relay connector's maxMessagesPerMinute holds across smtp-in replicas. A device that
   * used up its minute on one replica is refused on the other well before that replica's own count
   * reaches the limit (counted per replica, as before, the second would take LIMIT more).
   */
  describe('cluster-wide relay rate limit (two smtp-in replicas)', { timeout: 180_000 }, () => {
    let p: DistributedPlatform;
    let second: number;

    before(async () => {
      p = await startDistributedPlatform({ databaseAdminUrl, natsUrl });
      second = Number((await p.addReplica('smtp-in')).env.SMTP_PORT);
      for (const args of [
        ['domain', 'add', 'fabrikam.test'],
        ['user', 'add', 'alice@fabrikam.test', '--password', 'correct horse battery'],
        ['connector', 'add', 'Printers', '--direction', 'inbound', '--type', 'relay', '--sender-ip-addresses', '127.0.0.2/32', '--max-messages-per-minute', String(LIMIT)],
      ]) {
        const r = await mailctl(p, args);
        assert.equal(r.code, 0, r.stderr);
      }
    });
    after(async () => p?.close());

    it(`the device's ${LIMIT} messages a minute count on both replicas together`, async () => {
      // both replicas know the connector (its refusal text names it once they do)
      await eventually(async () => assert.match(await fromDevice(p, p.ports.smtp), /^250/));
      let onFirst = 1;
      while (onFirst < LIMIT) {
        assert.match(await fromDevice(p, p.ports.smtp), /^250/);
        onFirst++;
      }
      assert.match(await fromDevice(p, p.ports.smtp), /^451 4\.7\.0 connector "Printers": more than 6 messages per minute/);

      // the second replica hears of the first one's count with its next exchange (about a second)
      let onSecond = 0;
      for (;;) {
        const reply = await fromDevice(p, second);
        if (!reply.startsWith('250')) {
          assert.match(reply, /^451 4\.7\.0 connector "Printers": more than 6 messages per minute/);
          break;
        }
        onSecond++;
        assert.ok(onSecond < LIMIT, `the second replica took ${onSecond} more: it counted alone`);
        await new Promise((r) => setTimeout(r, 300));
      }
    });
  });
}
