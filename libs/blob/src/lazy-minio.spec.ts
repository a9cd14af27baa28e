import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FsBlobStore, S3BlobStore } from './index.js';

describe('minio, loaded at the first S3 request (ADR 0070)', () => {
  it('is not loaded with the library, nor by making an S3 store', () => {
    new S3BlobStore({ endpoint: 'http://127.0.0.1:9', accessKey: 'a', secretKey: 'b', bucket: 'c' });
    assert.ok(FsBlobStore);
    assert.deepEqual(
      Object.keys(require.cache).filter((k) => k.includes('/node_modules/minio/')),
      [],
    );
  });
});
