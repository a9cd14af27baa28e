const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;

type State = 'line-start' | 'mid-line' | 'dot' | 'dot-cr';

/** What one chunk yielded: body bytes (dot-unstuffed, line ends kept), and where the body ended if it did. */
export interface MultilineChunk {
  data: Buffer[];
  /** offset in the chunk just past the terminating `.CRLF`; undefined while the body goes on */
  endedAt?: number;
}

/**
 * The body of a POP3 multi-line reply (RFC 1939 §3) as it streams in: a line that starts with a
 * dot loses it (byte-stuffing), a line that is only a dot ends the body. Bytes are passed through
 * as they come, never gathered into lines, so a message of any size or a line of any length costs
 * no memory here; the caller bounds the total. A bare LF counts as a line end, as servers that
 * write LF-only lines exist. Chunk boundaries may fall anywhere, inside a CRLF or after a dot.
 */
export class MultilineDecoder {
  private state: State = 'line-start';
  private finished = false;

  get done(): boolean {
    return this.finished;
  }

  feed(chunk: Buffer): MultilineChunk {
    if (this.finished) return { data: [], endedAt: 0 };
    const data: Buffer[] = [];
    let i = 0;
    while (i < chunk.length) {
      const b = chunk[i];
      switch (this.state) {
        case 'line-start':
          if (b === DOT) {
            this.state = 'dot';
            i++;
          } else this.state = 'mid-line';
          break;
        case 'dot':
          if (b === CR) {
            this.state = 'dot-cr';
            i++;
          } else if (b === LF) {
            return this.end(data, i + 1);
          } else this.state = 'mid-line'; // the stuffed dot is dropped, the line's own bytes follow
          break;
        case 'dot-cr':
          if (b === LF) return this.end(data, i + 1);
          // ".\r" then something else: not a terminator; the CR was the line's first byte
          data.push(Buffer.from([CR]));
          this.state = 'mid-line';
          break;
        case 'mid-line': {
          const lf = chunk.indexOf(LF, i);
          if (lf === -1) {
            data.push(chunk.subarray(i));
            i = chunk.length;
          } else {
            data.push(chunk.subarray(i, lf + 1));
            i = lf + 1;
            this.state = 'line-start';
          }
          break;
        }
      }
    }
    return { data };
  }

  private end(data: Buffer[], at: number): MultilineChunk {
    this.finished = true;
    return { data, endedAt: at };
  }
}
