import { Transform, type TransformCallback } from 'node:stream';

const LF = 0x0a;
const CR = 0x0d;

/**
 * Incremental RFC 1939 TOP: passes the header, the blank line after it and the first `lines` body
 * lines, then reports `done` so the caller can stop reading the blob (a TOP 0 of a 150 MB message
 * reads a few KB). A message without a blank line is all header and passes whole.
 */
export class TopLimiter {
  private inBody = false;
  private lineBytes = 0;
  private lastWasCR = false;
  private remaining: number;
  private finished = false;

  constructor(lines: number) {
    this.remaining = lines;
  }

  get done(): boolean {
    return this.finished;
  }

  push(chunk: Buffer): { out: Buffer; done: boolean } {
    if (this.finished) return { out: chunk.subarray(0, 0), done: true };
    let pos = 0;
    while (pos < chunk.length) {
      if (this.inBody && this.remaining === 0) return this.finish(chunk, pos);
      const lf = chunk.indexOf(LF, pos);
      if (lf === -1) {
        this.lineBytes += chunk.length - pos;
        this.lastWasCR = chunk[chunk.length - 1] === CR;
        break;
      }
      const prevIsCR = lf > pos ? chunk[lf - 1] === CR : this.lastWasCR;
      const lineLength = this.lineBytes + (lf - pos) - (prevIsCR ? 1 : 0);
      if (this.inBody) this.remaining--;
      else if (lineLength === 0) this.inBody = true;
      this.lineBytes = 0;
      this.lastWasCR = false;
      pos = lf + 1;
    }
    if (this.inBody && this.remaining === 0) return this.finish(chunk, pos);
    return { out: chunk, done: false };
  }

  private finish(chunk: Buffer, at: number): { out: Buffer; done: boolean } {
    this.finished = true;
    return { out: chunk.subarray(0, at), done: true };
  }
}

/**
 * `TopLimiter` as a stream stage. Input after the limit is swallowed; callers that can stop their
 * source early should use `TopLimiter` directly (or listen for 'limit').
 */
export class TopTransform extends Transform {
  private readonly limiter: TopLimiter;

  constructor(lines: number) {
    super();
    this.limiter = new TopLimiter(lines);
  }

  override _transform(chunk: Buffer | string, encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.limiter.done) return callback();
    const { out, done } = this.limiter.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, encoding));
    if (out.length > 0) this.push(out);
    if (done) this.emit('limit');
    callback();
  }
}
