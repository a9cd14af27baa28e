#!/usr/bin/env node
// Backs up and restores the distributed platform's state: the PostgreSQL database (pg_dump, custom
// format) and the S3 bucket of message bodies (every object, copied to files), in that order.
//
// Why that order is consistent: a body is written to S3 before the row that refers to it, and
// removed only after its rows are gone. So every blob the dump refers to already existed when the
// dump was taken; copying the bucket afterwards finds it, unless it was deleted in between (a
// message expunged during the copy). On a bucket with versioning, restore the objects as of the
// dump's time instead (docs/operations.md, "Back up and restore"); this script records that time.
// Extra objects (bodies written after the dump) are harmless: nothing refers to them.
//
//   DATABASE_URL=... S3_ENDPOINT=... S3_ACCESS_KEY=... S3_SECRET_KEY=... S3_BUCKET=mail \
//     node scripts/backup.mjs backup  <dir>     # writes <dir>/database.dump, <dir>/blobs/, <dir>/manifest.json
//     node scripts/backup.mjs restore <dir>     # into an EMPTY database and bucket (stop the services first)
//
// Needs pg_dump/pg_restore of the server's major version or newer on PATH.
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { Client } from 'minio';

function s3Client(s3) {
  const url = new URL(s3.endpoint);
  return new Client({ endPoint: url.hostname, port: url.port ? Number(url.port) : undefined, useSSL: url.protocol === 'https:', accessKey: s3.accessKey, secretKey: s3.secretKey, region: s3.region ?? 'us-east-1', pathStyle: true });
}

/** The file an object key is kept in, refusing keys that would escape the backup directory. */
export function blobPath(dir, key) {
  if (!key || key.split('/').some((part) => part === '..' || part === '.') || key.startsWith('/') || key.includes('\0') || key.includes('\\')) {
    throw new Error(`refusing object key ${JSON.stringify(key)}`);
  }
  const base = resolve(dir, 'blobs');
  const p = resolve(base, key);
  if (!p.startsWith(base + sep)) throw new Error(`refusing object key ${JSON.stringify(key)}`);
  return p;
}

async function listKeys(client, bucket) {
  const keys = [];
  const stream = client.listObjectsV2(bucket, '', true);
  for await (const o of stream) if (o.name) keys.push({ key: o.name, size: o.size });
  return keys;
}

export async function backup({ databaseUrl, s3, dir }) {
  mkdirSync(join(dir, 'blobs'), { recursive: true });
  // 1. the database first: what it refers to exists in the bucket from then on
  const startedAt = new Date().toISOString();
  execFileSync('pg_dump', ['--format=custom', '--no-owner', '--file', join(dir, 'database.dump'), databaseUrl], { stdio: ['ignore', 'inherit', 'inherit'] });
  // 2. then every object of the bucket
  const client = s3Client(s3);
  const objects = await listKeys(client, s3.bucket);
  for (const o of objects) {
    const file = blobPath(dir, o.key);
    mkdirSync(dirname(file), { recursive: true });
    await pipeline(await client.getObject(s3.bucket, o.key), createWriteStream(file));
  }
  const manifest = { format: 1, databaseDumpedAt: startedAt, bucket: s3.bucket, objects };
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

export async function restore({ databaseUrl, s3, dir }) {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  for (const o of manifest.objects) {
    const size = statSync(blobPath(dir, o.key)).size;
    if (size !== o.size) throw new Error(`backup damaged: ${o.key} has ${size} bytes, the manifest says ${o.size}`);
  }
  // Blobs first, so no restored row ever points at a body that is not there yet.
  const client = s3Client(s3);
  if (!(await client.bucketExists(s3.bucket).catch(() => false))) await client.makeBucket(s3.bucket, s3.region ?? 'us-east-1');
  for (const o of manifest.objects) await client.putObject(s3.bucket, o.key, createReadStream(blobPath(dir, o.key)), o.size);
  execFileSync('pg_restore', ['--no-owner', '--exit-on-error', '--dbname', databaseUrl, join(dir, 'database.dump')], { stdio: ['ignore', 'inherit', 'inherit'] });
  return manifest;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [cmd, dir] = process.argv.slice(2);
  const env = process.env;
  const missing = ['DATABASE_URL', 'S3_ENDPOINT', 'S3_ACCESS_KEY', 'S3_SECRET_KEY', 'S3_BUCKET'].filter((k) => !env[k]);
  if (!['backup', 'restore'].includes(cmd) || !dir || missing.length) {
    console.error(`usage: node scripts/backup.mjs backup|restore <dir>  (needs ${missing.length ? missing.join(', ') : 'DATABASE_URL and S3_*'} in the environment)`);
    process.exit(2);
  }
  const opts = { databaseUrl: env.DATABASE_URL, s3: { endpoint: env.S3_ENDPOINT, accessKey: env.S3_ACCESS_KEY, secretKey: env.S3_SECRET_KEY, bucket: env.S3_BUCKET, region: env.S3_REGION }, dir: resolve(dir) };
  const m = cmd === 'backup' ? await backup(opts) : await restore(opts);
  console.log(`${cmd}: database + ${m.objects.length} objects (database dumped at ${m.databaseDumpedAt})`);
}
