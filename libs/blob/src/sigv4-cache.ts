import { createHash, createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import minioSigning = require('minio/dist/main/signing.js');

/*
 * minio-js signs every request (AWS Signature V4) from scratch: four HMACs derive the signing key
 * from the secret, the day, the region and the service, and a fifth signs. On Node 24 an HMAC keyed
 * by a Buffer costs ~10 µs (a KeyObject is made for each), so a request spends ~60 µs signing, one
 * S3 PUT per accepted message. The signing key only changes with the day, so it is kept (as a
 * KeyObject) and signing costs one HMAC: ~8 µs. The signature is byte for byte minio's (the spec
 * compares them); minio's own function still signs anything this one does not expect.
 */

type SignV4 = typeof minioSigning.signV4;
type SignedRequest = Parameters<SignV4>[0];

const ALGORITHM = 'AWS4-HMAC-SHA256';
/** as minio: matched case-sensitively against the header names it was given */
const UNSIGNED_HEADERS = ['authorization', 'content-length', 'content-type', 'user-agent'];
const MAX_KEYS = 16;

const keys = new Map<string, KeyObject>();

function hmac(key: KeyObject | string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function signingKey(day: string, region: string, secretKey: string, service: string): KeyObject {
  const id = `${day}\n${region}\n${service}\n${secretKey}`;
  let key = keys.get(id);
  if (!key) {
    // a new day (or secret) starts over: the map never holds more than a few keys
    if (keys.size >= MAX_KEYS) keys.clear();
    key = createSecretKey(hmac(hmac(hmac(hmac(`AWS4${secretKey}`, day), region), service), 'aws4_request'));
    keys.set(id, key);
  }
  return key;
}

function canonicalQuery(query: string | undefined): string {
  if (!query) return '';
  return query
    .split('&')
    .sort()
    .map((p) => (p.includes('=') ? p : `${p}=`))
    .join('&');
}

/** The Authorization header minio's signV4 gives for the same arguments, with the signing key kept. */
export function signV4Cached(
  request: SignedRequest,
  accessKey: string,
  secretKey: string,
  region: string,
  requestDate: Date,
  sha256sum: string,
  serviceName = 's3',
): string {
  const headers = request.headers as Record<string, unknown>;
  const signed = Object.keys(headers)
    .filter((h) => !UNSIGNED_HEADERS.includes(h))
    .sort();
  const signedList = signed.join(';').toLowerCase();
  const [resource, query] = request.path.split('?');
  const canonical = [
    request.method.toUpperCase(),
    resource,
    canonicalQuery(query),
    signed.map((h) => `${h.toLowerCase()}:${`${headers[h]}`.replace(/ +/g, ' ')}`).join('\n') + '\n',
    signedList,
    sha256sum,
  ].join('\n');
  const iso = requestDate.toISOString();
  const day = iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 10);
  const time = `${day}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  const scope = `${day}/${region}/${serviceName}/aws4_request`;
  const stringToSign = [ALGORITHM, time, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const signature = createHmac('sha256', signingKey(day, region, secretKey, serviceName)).update(stringToSign).digest('hex');
  return `${ALGORITHM} Credential=${accessKey}/${scope}, SignedHeaders=${signedList}, Signature=${signature}`;
}

const original: SignV4 = minioSigning.signV4;

function signV4(...args: Parameters<SignV4>): string {
  const [request, accessKey, secretKey, region, requestDate, sha256sum, serviceName] = args;
  const usual =
    typeof request === 'object' && request !== null && typeof request.path === 'string' && typeof request.method === 'string' &&
    typeof request.headers === 'object' && request.headers !== null && typeof accessKey === 'string' && accessKey !== '' &&
    typeof secretKey === 'string' && secretKey !== '' && typeof region === 'string' && requestDate instanceof Date && typeof sha256sum === 'string';
  // anything unusual (minio's argument errors included) is minio's own business
  return usual ? signV4Cached(request, accessKey, secretKey, region, requestDate, sha256sum, serviceName) : original(...args);
}

/**
 * Makes minio-js sign with the kept signing key. minio's client calls the function through its
 * signing module's exports at every request, so replacing the export is enough; idempotent.
 */
export function installSigningKeyCache(): void {
  (minioSigning as { signV4: SignV4 }).signV4 = signV4;
}

/** whether minio's client signs through the cache (the spec checks that minio still calls its export) */
export function signingKeyCacheInstalled(): boolean {
  return minioSigning.signV4 === signV4;
}

/** minio's own signV4, for the spec's comparison */
export const minioSignV4: SignV4 = original;
