import type { Readable } from 'node:stream';

/** Collects a stream into memory, for small things only: fails past `maxBytes`. */
export async function readAll(stream: Readable, maxBytes = 64 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    size += buf.length;
    if (size > maxBytes) {
      stream.destroy();
      throw new Error(`stream larger than ${maxBytes} bytes`);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks, size);
}
