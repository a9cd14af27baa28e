import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Client } from 'minio';
import { installSigningKeyCache, minioSignV4, signingKeyCacheInstalled, signV4Cached } from './sigv4-cache.js';

type Request = Parameters<typeof signV4Cached>[0];

function request(method: string, path: string, headers: Record<string, string | number>): Request {
  return { protocol: 'http:', method, path, headers } as Request;
}

const cases: Array<[string, Request]> = [
  ['a PUT as minio sends it', request('PUT', '/mail/msg/2026/12/04/5f0c', { host: '127.0.0.1:9000', 'Content-Length': 10240, 'x-amz-date': '20261204T132600Z', 'x-amz-content-sha256': 'e3b0c442' })],
  ['a GET with a range and lower-case method', request('get', '/mail/msg/a', { host: 'minio:9000', range: 'bytes=0-99', 'x-amz-date': '20261204T000000Z', 'user-agent': 'MinIO (linux)' })],
  ['a query to sort, with a bare parameter', request('POST', '/mail/key?uploads&z=1&a=2', { host: 'h', 'content-type': 'application/xml', 'content-md5': 'abc==' })],
  ['values with runs of spaces and mixed-case names', request('DELETE', '/b/k?versionId=3', { Host: 'h', 'X-Amz-Meta-Note': 'two  spaces   here', authorization: 'old' })],
  ['a path with escapes and no headers to sign but host', request('HEAD', '/b/a%20b/c%2Fd', { host: 's3.example.net' })],
];

describe('signing with a kept signing key', () => {
  for (const [name, req] of cases) {
    it(`signs ${name} exactly as minio does`, () => {
      for (const [region, service, when] of [
        ['us-east-1', 's3', new Date('2026-12-04T13:26:00.123Z')],
        ['eu-west-3', 's3', new Date('2026-12-31T23:59:59.999Z')],
        ['us-east-1', 'sts', new Date('2027-01-01T00:00:00.000Z')],
      ] as const) {
        const ours = signV4Cached(req, 'AKIDEXAMPLE', 'wJalrXUtnFEMI/K7MDENG', region, when, 'UNSIGNED-PAYLOAD', service);
        assert.equal(ours, minioSignV4(req, 'AKIDEXAMPLE', 'wJalrXUtnFEMI/K7MDENG', region, when, 'UNSIGNED-PAYLOAD', service));
        // a second time from the kept key, and with another secret (never another secret's key)
        assert.equal(signV4Cached(req, 'AKIDEXAMPLE', 'wJalrXUtnFEMI/K7MDENG', region, when, 'UNSIGNED-PAYLOAD', service), ours);
        assert.equal(signV4Cached(req, 'AKIDEXAMPLE', 'other', region, when, 'x', service), minioSignV4(req, 'AKIDEXAMPLE', 'other', region, when, 'x', service));
      }
    });
  }

  it('is what minio-js calls once installed (s3rver checks the signatures in the blob store contract)', async () => {
    installSigningKeyCache();
    installSigningKeyCache();
    assert.ok(signingKeyCacheInstalled());
    // minio must still sign through its module's export: a presigned URL does not, a request does.
    // An unreachable endpoint fails after signing, which is all this needs.
    const client = new Client({ endPoint: '127.0.0.1', port: 9, useSSL: false, accessKey: 'a', secretKey: 'b', region: 'us-east-1' });
    let signed = 0;
    const signing = require('minio/dist/main/signing.js') as { signV4: (...a: unknown[]) => string };
    const installed = signing.signV4;
    signing.signV4 = (...a: unknown[]) => {
      signed++;
      return installed(...a);
    };
    try {
      await assert.rejects(client.statObject('bucket', 'key'));
    } finally {
      signing.signV4 = installed;
    }
    assert.ok(signed >= 1, 'minio-js no longer signs through signing.signV4: the signing-key cache is not in use');
  });
});
