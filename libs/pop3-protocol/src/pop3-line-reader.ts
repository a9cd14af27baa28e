/** One event out of the byte stream: a complete line (terminator stripped) or an oversized one, discarded. */
export type Pop3LineEvent = { kind: 'line'; line: Buffer } | { kind: 'too-long'; length: number };

const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits a client byte stream into lines. CRLF is the terminator, a bare LF is tolerated (some
 * clients send it), and a line longer than `maxLength` octets is dropped whole and reported once,
 * so a hostile client cannot make the server buffer without bound.
 */
export class Pop3LineReader {
  private parts: Buffer[] = [];
  private buffered = 0;
  private discarding = false;
  private discarded = 0;

  constructor(private maxLength: number) {}

  /** The limit applies to lines not yet complete; raise it for SASL exchanges, lower it back after. */
  setMaxLength(maxLength: number): void {
    this.maxLength = maxLength;
  }

  push(chunk: Buffer): Pop3LineEvent[] {
    const events: Pop3LineEvent[] = [];
    let start = 0;
    while (start < chunk.length) {
      const lf = chunk.indexOf(LF, start);
      const end = lf === -1 ? chunk.length : lf;
      if (this.discarding) {
        this.discarded += end - start;
      } else {
        this.parts.push(chunk.subarray(start, end));
        this.buffered += end - start;
        // the CR of a CRLF is not part of the line, so allow one octet for it
        if (this.buffered > this.maxLength + 1) {
          this.discarding = true;
          this.discarded = this.buffered;
          this.parts = [];
          this.buffered = 0;
        }
      }
      if (lf === -1) break;
      if (this.discarding) {
        events.push({ kind: 'too-long', length: this.discarded });
        this.discarding = false;
        this.discarded = 0;
      } else {
        let line = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.buffered);
        if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
        if (line.length > this.maxLength) events.push({ kind: 'too-long', length: line.length });
        // copy so that the caller may keep the line while the socket reuses its chunk buffers
        else events.push({ kind: 'line', line: Buffer.from(line) });
        this.parts = [];
        this.buffered = 0;
      }
      start = lf + 1;
    }
    return events;
  }

  /** Octets held for an unterminated line. */
  get pending(): number {
    return this.buffered;
  }
}
