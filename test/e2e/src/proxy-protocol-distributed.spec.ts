import { test } from 'node:test';
import { freePort, startDistributedPlatform } from '@mail/testing';
import { PROXY_ENV, proxyProtocolScenario } from './proxy-protocol.js';

const databaseAdminUrl = process.env.TEST_DATABASE_URL;
const natsUrl = process.env.TEST_NATS_URL;

if (!databaseAdminUrl || !natsUrl) {
  test('PROXY protocol in distributed mode needs TEST_DATABASE_URL and TEST_NATS_URL', { skip: process.env.CI !== 'true' }, () => {
    throw new Error('CI=true: the distributed PROXY protocol scenario is mandatory');
  });
} else {
  proxyProtocolScenario('distributed', async () => {
    const pop3s = await freePort();
    return { ...(await startDistributedPlatform({ databaseAdminUrl, natsUrl, env: { ...PROXY_ENV, POP3S_PORT: String(pop3s) } })), pop3s };
  });
}
