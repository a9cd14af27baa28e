import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RawSmtpClient } from './raw-smtp-client.js';
import { startSmtpInForTest } from './smtp-in-test-harness.js';

describe('smtp-in before its first connector snapshot', () => {
  it('answers MX MAIL FROM with 451 4.3.0 until the connectors are loaded, then accepts', async () => {
    const smtp = await startSmtpInForTest({ connectorsWaitMs: 100 }, { connectorsLater: true });
    try {
      const { client } = await RawSmtpClient.connect(smtp.ports.mx);
      assert.match(await client.cmd('EHLO client.test'), /^250/m);
      // mail accepted now would skip a partner connector's TLS or IP rule
      assert.match(await client.cmd('MAIL FROM:<someone@remote.test>'), /^451 4\.3\.0 connector rules not loaded yet/);
      // the session goes on: the client may retry in it
      assert.match(await client.cmd('NOOP'), /^250/);

      await smtp.answerConnectors();
      // the replica retries the snapshot every second; each MAIL FROM waits up to connectorsWaitMs for it
      const deadline = Date.now() + 10_000;
      let reply = '';
      while (Date.now() < deadline) {
        reply = await client.cmd('MAIL FROM:<someone@remote.test>');
        if (reply.startsWith('250')) break;
        assert.match(reply, /^451 4\.3\.0/);
      }
      assert.match(reply, /^250/);
      assert.match(await client.cmd('RCPT TO:<alice@example.com>'), /^250/);
      client.close();
    } finally {
      await smtp.close();
    }
  });
});
