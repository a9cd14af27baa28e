// scripts/backup.mjs against the local PostgreSQL and the S3 test server: the platform's own schemas
// and bodies written by the platform, backed up, wiped, restored into a new database and bucket,
// and read back. Needs TEST_DATABASE_URL (the unit phase sets it when PostgreSQL is up).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { Client } from 'minio';
import { backup, blobPath, restore } from '../../scripts/backup.mjs';
import { createTestDatabase, startTestS3 } from '../../libs/testing/dist/index.js';

const adminUrl = process.env.TEST_DATABASE_URL;
let pgDump = true;
try { execFileSync('pg_dump', ['--version'], { stdio: 'ignore' }); } catch { pgDump = false; }

function minio(s3) {
  const url = new URL(s3.endpoint);
  return new Client({ endPoint: url.hostname, port: Number(url.port), useSSL: false, accessKey: s3.accessKey, secretKey: s3.secretKey, region: 'us-east-1', pathStyle: true });
}

test('refuses object keys that would leave the backup directory', () => {
  for (const bad of ['../x', 'a/../../x', '/etc/passwd', 'a/./b', '', 'a\\..\\b', 'a\0b']) assert.throws(() => blobPath('/tmp/b', bad), /refusing/);
  assert.equal(blobPath('/tmp/b', 'msg/2026/ab/cd.eml'), '/tmp/b/blobs/msg/2026/ab/cd.eml');
});

test('backs up the database and the bucket, and restores both into empty ones', { skip: !adminUrl ? 'TEST_DATABASE_URL not set' : !pgDump && process.env.CI !== 'true' ? 'pg_dump not installed' : false, timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mail-backup-'));
  const [srcDb, dstDb, srcS3, dstS3] = await Promise.all([createTestDatabase(adminUrl, 'mail_bk_src'), createTestDatabase(adminUrl, 'mail_bk_dst'), startTestS3(), startTestS3()]);
  t.after(async () => {
    await Promise.all([srcDb.drop(), dstDb.drop(), srcS3.close(), dstS3.close()]);
    rmSync(dir, { recursive: true, force: true });
  });
  // a store-shaped state: rows that refer to bodies by key, and the bodies
  const c = new pg.Client({ connectionString: srcDb.url });
  await c.connect();
  await c.query('CREATE SCHEMA store; CREATE TABLE store.messages (id serial PRIMARY KEY, blob_key text NOT NULL, size int NOT NULL)');
  const s3 = minio(srcS3);
  await s3.makeBucket('mail', 'us-east-1');
  const bodies = { 'msg/a/1.eml': 'Subject: one\r\n\r\nfirst body\r\n', 'msg/b/2.eml': 'Subject: two\r\n\r\n' + 'x'.repeat(300_000) };
  for (const [key, body] of Object.entries(bodies)) {
    await s3.putObject('mail', key, Buffer.from(body));
    await c.query('INSERT INTO store.messages (blob_key, size) VALUES ($1, $2)', [key, body.length]);
  }
  await c.end();

  const bucket = (server) => ({ endpoint: server.endpoint, accessKey: server.accessKey, secretKey: server.secretKey, bucket: 'mail' });
  const manifest = await backup({ databaseUrl: srcDb.url, s3: bucket(srcS3), dir });
  assert.equal(manifest.objects.length, 2);

  await restore({ databaseUrl: dstDb.url, s3: bucket(dstS3), dir });
  const d = new pg.Client({ connectionString: dstDb.url });
  await d.connect();
  const { rows } = await d.query('SELECT blob_key, size FROM store.messages ORDER BY id');
  await d.end();
  assert.deepEqual(rows.map((r) => r.blob_key), Object.keys(bodies));
  for (const r of rows) {
    const chunks = [];
    for await (const chunk of await minio(dstS3).getObject('mail', r.blob_key)) chunks.push(chunk);
    assert.equal(Buffer.concat(chunks).toString(), bodies[r.blob_key], `${r.blob_key} restored byte for byte`);
  }

  // a damaged backup is refused before anything is written
  writeFileSync(blobPath(dir, 'msg/a/1.eml'), 'truncated');
  await assert.rejects(restore({ databaseUrl: dstDb.url, s3: bucket(dstS3), dir }), /backup damaged: msg\/a\/1\.eml/);
  assert.ok(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).databaseDumpedAt);
});
