import { PassThrough, type Readable } from 'node:stream';
import { parseHeaderFields } from '@mail/intake';
import type { InboundTrust } from './inbound-trust.js';

/** a header block larger than this is not read further for its Received chain */
const MAX_PEEK = 256 * 1024;

/**
 * The address the sender-authentication checks evaluate. Usually the trust's `ip`; behind a
 * filter connector, the one its Received chain names, read from the message's header block
 * before the checks start (they need the address up front). The returned stream replays the
 * bytes read on the way.
 */
export async function evaluatedIp(trust: InboundTrust, message: Readable): Promise<{ ip: string; message: Readable }> {
  if (!trust.ipFromReceived) return { ip: trust.ip, message };
  const { head, rest } = await peekHeaderBlock(message);
  const received = parseHeaderFields(head.toString('latin1'))
    .filter((f) => f.name === 'received')
    .map((f) => f.value);
  return { ip: trust.ipFromReceived(received) || trust.ip, message: rest };
}

/** Reads `source` up to the end of its header block (or MAX_PEEK), and gives a stream of everything, those bytes first. */
export function peekHeaderBlock(source: Readable): Promise<{ head: Buffer; rest: Readable }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // the blank line may straddle two chunks: only the last bytes of the one before are searched again
    let tail = Buffer.alloc(0);
    let done = false;
    const finish = (ended: boolean) => {
      if (done) return;
      done = true;
      source.off('data', onData);
      source.off('end', onEnd);
      source.off('error', onEnd);
      source.pause();
      const head = Buffer.concat(chunks, size);
      const rest = new PassThrough();
      rest.write(head);
      if (ended) rest.end();
      else {
        source.on('error', (err) => rest.destroy(err));
        source.pipe(rest);
      }
      resolve({ head, rest });
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      const window = Buffer.concat([tail, chunk]);
      tail = window.subarray(-3);
      if (window.indexOf('\r\n\r\n') >= 0 || window.indexOf('\n\n') >= 0 || size >= MAX_PEEK) finish(false);
    };
    const onEnd = () => finish(true);
    source.on('data', onData);
    source.once('end', onEnd);
    source.once('error', onEnd);
  });
}
