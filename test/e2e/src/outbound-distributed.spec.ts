import { test } from 'node:test';
import { startDistributedPlatform } from '@mail/testing';
import { outboundMail } from './outbound-scenario.js';

const databaseAdminUrl = process.env.TEST_DATABASE_URL;
const natsUrl = process.env.TEST_NATS_URL;

if (!databaseAdminUrl || !natsUrl) {
  test('outbound mail in distributed mode needs TEST_DATABASE_URL and TEST_NATS_URL', { skip: process.env.CI !== 'true' }, () => {
    throw new Error('CI=true: the distributed end-to-end tests are mandatory');
  });
} else {
  outboundMail('distributed mode', (env) => startDistributedPlatform({ databaseAdminUrl, natsUrl, env }));
}
