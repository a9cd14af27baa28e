import { test } from 'node:test';
import { startDistributedPlatform } from '@mail/testing';
import { messageTraceScenario } from './message-trace.js';

const databaseAdminUrl = process.env.TEST_DATABASE_URL;
const natsUrl = process.env.TEST_NATS_URL;

if (!databaseAdminUrl || !natsUrl) {
  test('message trace in distributed mode needs TEST_DATABASE_URL and TEST_NATS_URL', { skip: process.env.CI !== 'true' }, () => {
    throw new Error('CI=true: the distributed end-to-end tests are mandatory');
  });
} else {
  messageTraceScenario('distributed mode: admin-api records the trace from NATS', (relayPort) =>
    startDistributedPlatform({ databaseAdminUrl, natsUrl, env: { RELAY_HOST: `127.0.0.1:${relayPort}` } }),
  );
}
