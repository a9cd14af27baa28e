import { test } from 'node:test';
import { startDistributedPlatform, type DistributedPlatform } from '@mail/testing';
import { fetchScenarios } from './fetch-scenario.js';

const databaseAdminUrl = process.env.TEST_DATABASE_URL;
const natsUrl = process.env.TEST_NATS_URL;

if (!databaseAdminUrl || !natsUrl) {
  test('distributed external accounts need TEST_DATABASE_URL and TEST_NATS_URL', { skip: process.env.CI !== 'true' }, () => {
    throw new Error('CI=true: the distributed end-to-end tests are mandatory');
  });
} else {
  // the migration service is its own process; the fetched mail goes through delivery and the store over NATS
  // two replicas of it share the accounts through their leases
  fetchScenarios(
    'distributed, two migration replicas',
    async (env) => {
      const platform = await startDistributedPlatform({ databaseAdminUrl, natsUrl, env });
      await platform.addReplica('migration');
      return platform;
    },
    async (p) => {
      const replicas = (p as DistributedPlatform).services.filter((s) => s.name === 'migration');
      return (await Promise.all(replicas.map(async (s) => (await fetch(`http://127.0.0.1:${s.httpPort}/metrics`)).text()))).join('\n');
    },
  );
}
