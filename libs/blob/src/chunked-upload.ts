import type { Client } from 'minio';
import type { Readable } from 'node:stream';

/** S3's minimum part size is 5 MiB; 8 MiB parts keep memory bounded and requests few. */
export const PART_SIZE = 8 * 1024 * 1024;

/**
 * Streams a body of unknown length to S3 with at most one part in memory: one plain PUT when it
 * fits in a part (nearly every mail), a multipart upload otherwise. We drive the parts ourselves
 * because the client's own path for unknown sizes first lists pending uploads, which not every
 * S3 implementation offers.
 */
export async function uploadStream(client: Client, bucket: string, key: string, body: Readable): Promise<number> {
  let pending: Buffer[] = [];
  let pendingSize = 0;
  let total = 0;
  let uploadId: string | undefined;
  const etags: { part: number; etag: string }[] = [];

  const flushPart = async () => {
    const part = Buffer.concat(pending, pendingSize);
    pending = [];
    pendingSize = 0;
    uploadId ??= await client.initiateNewMultipartUpload(bucket, key, {});
    const partNumber = etags.length + 1;
    const res = await client.uploadPart({ bucketName: bucket, objectName: key, uploadID: uploadId, partNumber, headers: { 'Content-Length': part.length } }, part);
    etags.push({ part: partNumber, etag: res.etag });
  };

  try {
    for await (const chunk of body) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      pending.push(buf);
      pendingSize += buf.length;
      total += buf.length;
      if (pendingSize >= PART_SIZE) await flushPart();
    }
    if (!uploadId) {
      await client.putObject(bucket, key, Buffer.concat(pending, pendingSize), pendingSize);
      return total;
    }
    if (pendingSize > 0) await flushPart();
    await client.completeMultipartUpload(bucket, key, uploadId, etags);
    return total;
  } catch (err) {
    if (uploadId) await client.abortMultipartUpload(bucket, key, uploadId).catch(() => undefined);
    throw err;
  }
}
