import { Transform, type TransformCallback } from 'node:stream';

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;
const DOT_BUF = Buffer.from('.');
const CR_BUF = Buffer.from('\r');

/**
 * Incremental RFC 1939 §3 byte-stuffing of a message body: every line starting with "." gets one
 * more, bare LF becomes CRLF, and `end()` closes the response with ".\r\n" (after a CRLF if the
 * message did not end with one). State survives chunk boundaries, so input may be split anywhere.
 * Bare CR is passed through: it never ends a line for a POP3 client, so it cannot fake the terminator.
 */
export class DotStuffer {
  private atLineStart = true;
  private lastWasCR = false;

  /** The stuffed bytes for `chunk`; the chunk itself when nothing needed to change. */
  push(chunk: Buffer): Buffer {
    const len = chunk.length;
    if (len === 0) return chunk;
    let out: Buffer[] | null = null;
    let segStart = 0;
    let pos = 0;
    while (pos < len) {
      if (this.atLineStart && chunk[pos] === DOT) {
        (out ??= []).push(chunk.subarray(segStart, pos), DOT_BUF);
        segStart = pos;
      }
      this.atLineStart = false;
      const lf = chunk.indexOf(LF, pos);
      if (lf === -1) {
        this.lastWasCR = chunk[len - 1] === CR;
        break;
      }
      const prevIsCR = lf > 0 ? chunk[lf - 1] === CR : this.lastWasCR;
      if (!prevIsCR) {
        (out ??= []).push(chunk.subarray(segStart, lf), CR_BUF);
        segStart = lf;
      }
      this.atLineStart = true;
      this.lastWasCR = false;
      pos = lf + 1;
    }
    if (!out) return chunk;
    out.push(chunk.subarray(segStart));
    return Buffer.concat(out);
  }

  /** The bytes that finish the multi-line response. */
  end(): Buffer {
    const tail = this.atLineStart ? '' : this.lastWasCR ? '\n' : '\r\n';
    this.atLineStart = true;
    this.lastWasCR = false;
    return Buffer.from(`${tail}.\r\n`);
  }
}

/** `DotStuffer` as a stream stage: message bytes in, the multi-line response body and terminator out. */
export class DotStuffTransform extends Transform {
  private readonly stuffer = new DotStuffer();

  override _transform(chunk: Buffer | string, encoding: BufferEncoding, callback: TransformCallback): void {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, encoding);
    const out = this.stuffer.push(buf);
    if (out.length > 0) this.push(out);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    this.push(this.stuffer.end());
    callback();
  }
}
