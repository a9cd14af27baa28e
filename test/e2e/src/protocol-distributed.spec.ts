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
  // session 2 of every script talks to a second access replica: changes cross replicas over NATS.
  // The first replica reads through the store's read model in its own process, the second asks the
  // store over the bus (ADR 0057): both paths answer every script, and each sees the other's changes.
  imapTranscripts(
    'distributed mode, two access replicas (direct reads and bus reads)',
    () => startDistributedPlatform({ databaseAdminUrl, natsUrl, env: { ALLOW_PLAINTEXT_AUTH: 'true' } }),
    async (p) => [Number((await p.addReplica('access', { ACCESS_STORE_READS: 'bus' })).env.IMAP_PORT)],
  );
}
