import { test } from 'node:test';
import { startDistributedPlatform } from '@mail/testing';
import { connectorScenarios } from './connector-scenarios.js';

const databaseAdminUrl = process.env.TEST_DATABASE_URL;
const natsUrl = process.env.TEST_NATS_URL;

if (!databaseAdminUrl || !natsUrl) {
  test('distributed connectors need TEST_DATABASE_URL and TEST_NATS_URL', { skip: process.env.CI !== 'true' }, () => {
    throw new Error('CI=true: the distributed end-to-end tests are mandatory');
  });
} else {
  // connectors live in the auth service; smtp-in and delivery replicas pick changes up by event
  connectorScenarios('distributed', (env) => startDistributedPlatform({ databaseAdminUrl, natsUrl, env }));
}
