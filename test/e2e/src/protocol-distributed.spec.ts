import { test } from 'node:test';
import { startDistributedPlatform } from '@mail/testing';
import { imapTranscripts } from './protocol-transcripts.js';

const databaseAdminUrl = process.env.TEST_DATABASE_URL;
const natsUrl = process.env.TEST_NATS_URL;

if (!databaseAdminUrl || !natsUrl) {
  test('protocol transcripts in distributed mode need TEST_DATABASE_URL and TEST_NATS_URL', { skip: process.env.CI !== 'true' }, () => {
    throw new Error('CI=true: the distributed protocol transcripts are mandatory');
  });
} else {
  // session 2 of every script talks to a second access replica: changes cross replicas over NATS
  imapTranscripts(
    'distributed mode, two access replicas',
    () => startDistributedPlatform({ databaseAdminUrl, natsUrl, env: { ALLOW_PLAINTEXT_AUTH: 'true' } }),
    async (p) => [Number((await p.addReplica('access')).env.IMAP_PORT)],
  );
}
