import { test } from 'node:test';
import { startDistributedPlatform } from '@mail/testing';
import { mailAuthentication } from './mail-auth-scenario.js';

const databaseAdminUrl = process.env.TEST_DATABASE_URL;
const natsUrl = process.env.TEST_NATS_URL;

if (!databaseAdminUrl || !natsUrl) {
  test('distributed mail authentication needs TEST_DATABASE_URL and TEST_NATS_URL', { skip: process.env.CI !== 'true' }, () => {
    throw new Error('CI=true: the distributed end-to-end tests are mandatory');
  });
} else {
  mailAuthentication('distributed mode', () => startDistributedPlatform({ databaseAdminUrl, natsUrl }));
}
