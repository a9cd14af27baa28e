import { Client } from 'minio';
import type { S3Options } from './s3-blob-store.js';
import { installSigningKeyCache } from './sigv4-cache.js';

/**
 * A minio client for `opts`, with the signing-key cache installed. Its own module so that
 * S3BlobStore loads minio with `import()` at the first request (ADR 0070) while minio still comes
 * from its CommonJS build: the signing cache patches that build (`import('minio')` would get the
 * ESM one).
 */
export function minioClient(opts: S3Options): Client {
  installSigningKeyCache();
  const url = new URL(opts.endpoint);
  return new Client({
    endPoint: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    useSSL: url.protocol === 'https:',
    accessKey: opts.accessKey,
    secretKey: opts.secretKey,
    region: opts.region ?? 'us-east-1',
    pathStyle: true,
  });
}
