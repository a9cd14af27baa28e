import { test } from 'node:test';
import { startDistributedPlatform } from '@mail/testing';
import { fetchScenarios } from './fetch-scenario.js';

const databaseAdminUrl = process.env.TEST_DATABASE_URL;
const natsUrl = process.env.TEST_NATS_URL;

if (!databaseAdminUrl || !natsUrl) {
  test('distributed external accounts need TEST_DATABASE_URL and TEST_NATS_URL', { skip: process.env.CI !== 'true' }, () => {
    throw new Error('CI=true: the distributed end-to-end tests are mandatory');
  });
} else {
  // the migration service is its own process; the fetched mail goes through delivery and the store over NATS
  fetchScenarios('distributed', (env) => startDistributedPlatform({ databaseAdminUrl, natsUrl, env }));
}
