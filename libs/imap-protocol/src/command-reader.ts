import { leadingTag } from './chars.js';
import { parseAppendContinuation, parseAppendPrefix, parseCommand } from './command-parser.js';
import { ImapParseError } from './errors.js';
import type { AppendHeader, ImapCommand } from './types.js';

export type ReaderEvent =
  /** a complete, well-formed command */
  | { type: 'command'; command: ImapCommand }
  /** a malformed or refused command: answer `<tag> BAD` (or `* BAD`); `fatal`: say BYE and close */
  | { type: 'error'; error: ImapParseError }
  /** the client waits for `+` before sending a synchronizing literal */
  | { type: 'continue' }
  /** an APPEND's message literal starts; for a synchronizing literal the session answers `+` or calls rejectLiteral() */
  | { type: 'append'; append: AppendHeader }
  | { type: 'append-data'; data: Buffer }
  /** the literal is complete; `error` when the rest of the command line was not acceptable */
  | { type: 'append-end'; error: ImapParseError | null }
  /** a raw line, read after expectLine() (IDLE's DONE, SASL responses) */
  | { type: 'line'; text: string };

export interface CommandReaderOptions {
  /** the command text including small literals (all but APPEND's message); default 64 KiB */
  maxCommandSize?: number;
  /** an APPEND message literal; default 64 MiB */
  maxLiteralSize?: number;
  /** a refused non-synchronizing literal larger than this closes the connection instead of being skipped */
  maxDiscardSize?: number;
}

type Mode = 'line' | 'literal' | 'stream' | 'discard-bytes' | 'raw-line';

const LF = 0x0a;
const LITERAL_AT_END = /\{(\d+)(\+?)\}$/;
const MARKER_TAIL = 32;

/**
 * Frames the client's byte stream into commands (RFC 3501 + LITERAL+/LITERAL- of RFC 7888) and
 * parses them. Push bytes in, then call next() until it returns null. Memory stays bounded by
 * the limits: APPEND literals are handed out in chunks, refused literals are skipped unread.
 */
export class CommandReader {
  private readonly maxCommandSize: number;
  private readonly maxLiteralSize: number;
  private readonly maxDiscardSize: number;

  private buf: Buffer = Buffer.alloc(0);
  /** where the LF search resumes in `buf` */
  private scanned = 0;
  private mode: Mode = 'line';
  private cmd: Buffer[] = [];
  private cmdSize = 0;
  /** bytes still to collect, stream or skip in the literal modes */
  private remaining = 0;
  /** set while skipping the rest of a refused command; reported when the command ends */
  private discarding: ImapParseError | null = null;
  /** the error was already reported (append-end) and the rest is skipped silently */
  private silent = false;
  private inAppendTail = false;
  /** the message literal just read was `UTF8 (~{n}`: its `)` starts the line after it */
  private utf8Close = false;
  private pendingAppend: AppendHeader | null = null;
  /** the APPEND whose messages are coming (a MULTIAPPEND sends several) */
  private appending: { tag: string; mailbox: string } | null = null;
  private dead = false;

  constructor(options: CommandReaderOptions = {}) {
    this.maxCommandSize = options.maxCommandSize ?? 64 * 1024;
    this.maxLiteralSize = options.maxLiteralSize ?? 64 * 1024 * 1024;
    this.maxDiscardSize = options.maxDiscardSize ?? 1024 * 1024 * 1024;
  }

  push(chunk: Buffer): void {
    if (this.dead || !chunk.length) return;
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
  }

  /** the next line is a raw line (IDLE's DONE or a SASL response), not a command */
  expectLine(): void {
    this.mode = 'raw-line';
  }

  /** the session refuses the APPEND literal it was just told about */
  rejectLiteral(): void {
    const append = this.pendingAppend;
    if (!append || this.mode !== 'stream') return;
    this.pendingAppend = null;
    if (append.nonSync) {
      this.discarding = new ImapParseError('refused', append.tag);
      this.silent = true;
      this.skipBytes(this.remaining);
    } else {
      this.resetCommand();
    }
  }

  /** drops everything buffered (after STARTTLS nothing sent in the clear may be acted on) */
  reset(): void {
    this.buf = Buffer.alloc(0);
    this.scanned = 0;
    this.resetCommand();
  }

  next(): ReaderEvent | null {
    while (!this.dead) {
      const ev = this.step();
      if (ev !== undefined) return ev;
      if (!this.buf.length && this.mode !== 'stream') return null;
      if (this.mode === 'stream' && !this.buf.length && this.remaining > 0) return null;
    }
    return null;
  }

  /** one state transition: an event, `undefined` to go on, or null when input is needed */
  private step(): ReaderEvent | null | undefined {
    switch (this.mode) {
      case 'literal': {
        if (!this.buf.length) return null;
        const n = Math.min(this.remaining, this.buf.length);
        this.addToCommand(this.buf.subarray(0, n));
        this.consume(n);
        this.remaining -= n;
        if (this.remaining === 0) this.mode = 'line';
        return undefined;
      }
      case 'stream': {
        if (this.remaining === 0) {
          this.pendingAppend = null;
          this.inAppendTail = true;
          this.mode = 'line';
          return undefined;
        }
        if (!this.buf.length) return null;
        const n = Math.min(this.remaining, this.buf.length);
        const data = this.buf.subarray(0, n);
        this.consume(n);
        this.remaining -= n;
        return { type: 'append-data', data };
      }
      case 'discard-bytes': {
        if (!this.buf.length) return null;
        const n = Math.min(this.remaining, this.buf.length);
        this.consume(n);
        this.remaining -= n;
        if (this.remaining === 0) this.mode = 'line';
        return undefined;
      }
      case 'raw-line':
      case 'line':
        return this.lineStep();
    }
  }

  private lineStep(): ReaderEvent | null | undefined {
    const lf = this.buf.indexOf(LF, this.scanned);
    if (lf < 0) {
      this.scanned = this.buf.length;
      if (this.discarding) {
        // keep only what may hold the tail of a literal marker
        if (this.buf.length > MARKER_TAIL) this.consume(this.buf.length - MARKER_TAIL);
        return null;
      }
      if (this.cmdSize + this.buf.length > this.maxCommandSize) {
        const error = new ImapParseError('command line too long', leadingTag(this.cmd[0] ?? this.buf));
        this.startDiscard(error);
        if (this.mode === 'raw-line') {
          this.mode = 'line';
          this.silent = true;
          this.consume(Math.max(0, this.buf.length - MARKER_TAIL));
          return { type: 'error', error };
        }
        this.consume(Math.max(0, this.buf.length - MARKER_TAIL));
        return undefined;
      }
      return null;
    }
    const end = lf > 0 && this.buf[lf - 1] === 0x0d ? lf - 1 : lf;
    const line = this.buf.subarray(0, end);
    this.consume(lf + 1);

    if (this.mode === 'raw-line') {
      this.mode = 'line';
      if (line.length > this.maxCommandSize) return { type: 'error', error: new ImapParseError('line too long') };
      return { type: 'line', text: line.toString('utf8') };
    }

    if (this.inAppendTail) return this.appendTail(line);
    if (!this.discarding && this.cmdSize + line.length > this.maxCommandSize) {
      this.startDiscard(new ImapParseError('command line too long', leadingTag(this.cmd[0] ?? line)));
    }

    const m = LITERAL_AT_END.exec(line.subarray(Math.max(0, line.length - MARKER_TAIL)).toString('latin1'));
    if (!m) return this.finishCommand(line);
    if (m[1].length > 15) return this.fatal('literal size out of range');
    const size = Number(m[1]);
    const nonSync = m[2] === '+';

    if (this.discarding) return this.refuseLiteral(this.discarding, size, nonSync);

    if (this.cmdSize + line.length + 2 > this.maxCommandSize) {
      return this.refuseLiteral(this.startDiscard(new ImapParseError('command too long', leadingTag(this.cmd[0] ?? line))), size, nonSync);
    }
    const markerStart = line.length - m[0].length;
    // `~{n}`: a literal8 (RFC 3516), which only APPEND's message may be here
    const binary = markerStart > 0 && line[markerStart - 1] === 0x7e;
    this.addToCommand(line.subarray(0, binary ? markerStart - 1 : markerStart));
    let prefix;
    try {
      prefix = parseAppendPrefix(Buffer.concat(this.cmd, this.cmdSize));
    } catch (err) {
      if (!(err instanceof ImapParseError)) throw err;
      return this.refuseLiteral(this.startDiscard(err), size, nonSync);
    }
    if (prefix) {
      if (prefix.utf8 && !binary) {
        return this.refuseLiteral(this.startDiscard(new ImapParseError('UTF8 ( must be followed by a literal8 (~{n})', prefix.tag)), size, nonSync);
      }
      if (size > this.maxLiteralSize) {
        return this.refuseLiteral(this.startDiscard(new ImapParseError(`message larger than ${this.maxLiteralSize} bytes`, prefix.tag, false, 'TOOBIG')), size, nonSync);
      }
      this.cmd = [];
      this.cmdSize = 0;
      this.appending = { tag: prefix.tag, mailbox: prefix.mailbox };
      this.pendingAppend = { ...prefix, size, nonSync, ...(binary ? { binary } : {}) };
      this.utf8Close = !!prefix.utf8;
      this.mode = 'stream';
      this.remaining = size;
      return { type: 'append', append: this.pendingAppend };
    }
    if (this.cmdSize + line.length + 2 + size > this.maxCommandSize) {
      return this.refuseLiteral(this.startDiscard(new ImapParseError('literal too large', leadingTag(this.cmd[0] ?? line))), size, nonSync);
    }
    this.addToCommand(line.subarray(binary ? markerStart - 1 : markerStart));
    this.addToCommand(Buffer.from('\r\n'));
    this.mode = 'literal';
    this.remaining = size;
    if (size === 0) this.mode = 'line';
    return nonSync ? undefined : { type: 'continue' };
  }

  private appendTail(line: Buffer): ReaderEvent | undefined {
    this.inAppendTail = false;
    const appending = this.appending;
    if (this.utf8Close) {
      // the `)` closing `UTF8 (~{n}` (RFC 6855 4); without it the command is malformed
      this.utf8Close = false;
      if (line[0] !== 0x29) {
        this.appending = null;
        return { type: 'append-end', error: new ImapParseError('UTF8 ( literal8 not closed by )', appending?.tag ?? null) };
      }
      line = line.subarray(1);
    }
    if (!line.length) {
      this.appending = null;
      return { type: 'append-end', error: null };
    }
    const m = LITERAL_AT_END.exec(line.subarray(Math.max(0, line.length - MARKER_TAIL)).toString('latin1'));
    let error = new ImapParseError('malformed APPEND', appending?.tag ?? null);
    if (m && m[1].length <= 15 && appending) {
      // MULTIAPPEND (RFC 3502): another message of the same APPEND
      const size = Number(m[1]);
      const nonSync = m[2] === '+';
      let markerStart = line.length - m[0].length;
      const binary = markerStart > 0 && line[markerStart - 1] === 0x7e;
      if (binary) markerStart--;
      try {
        const more = parseAppendContinuation(line.subarray(0, markerStart));
        if (size > this.maxLiteralSize) {
          error = new ImapParseError(`message larger than ${this.maxLiteralSize} bytes`, appending.tag, false, 'TOOBIG');
        } else {
          if (more.utf8 && !binary) throw new ImapParseError('UTF8 ( must be followed by a literal8 (~{n})', appending.tag);
          this.pendingAppend = { ...appending, ...more, size, nonSync, continued: true, ...(binary ? { binary } : {}) };
          this.utf8Close = !!more.utf8;
          this.mode = 'stream';
          this.remaining = size;
          return { type: 'append', append: this.pendingAppend };
        }
      } catch (err) {
        if (!(err instanceof ImapParseError)) throw err;
        error = err.withTag(appending.tag);
      }
    }
    this.appending = null;
    if (m && m[2] === '+' && m[1].length <= 15) {
      // skip the further messages the client sends unasked
      this.discarding = error;
      this.silent = true;
      this.skipBytes(Number(m[1]));
    }
    return { type: 'append-end', error };
  }

  private refuseLiteral(error: ImapParseError, size: number, nonSync: boolean): ReaderEvent | undefined {
    if (!nonSync) {
      // the client waits for "+", which never comes: the command ends here
      return this.reportDiscarded(error);
    }
    if (size > this.maxDiscardSize) return this.fatal('literal too large');
    this.skipBytes(size);
    return undefined;
  }

  private skipBytes(size: number): void {
    this.remaining = size;
    this.mode = size > 0 ? 'discard-bytes' : 'line';
  }

  private finishCommand(line: Buffer): ReaderEvent | undefined {
    if (this.discarding) return this.reportDiscarded(this.discarding);
    this.addToCommand(line);
    const whole = this.cmd.length === 1 ? this.cmd[0] : Buffer.concat(this.cmd, this.cmdSize);
    this.resetCommand();
    if (!whole.length) return undefined; // stray empty lines are ignored
    try {
      return { type: 'command', command: parseCommand(whole) };
    } catch (err) {
      if (err instanceof ImapParseError) return { type: 'error', error: err };
      throw err;
    }
  }

  private reportDiscarded(error: ImapParseError): ReaderEvent | undefined {
    const silent = this.silent;
    this.resetCommand();
    return silent ? undefined : { type: 'error', error };
  }

  /** drops the command gathered so far; the error is what the client hears once the command ends */
  private startDiscard(error: ImapParseError): ImapParseError {
    this.discarding = error;
    this.cmd = [];
    this.cmdSize = 0;
    return error;
  }

  private fatal(message: string): ReaderEvent {
    const tag = this.discarding?.tag ?? leadingTag(this.cmd[0] ?? Buffer.alloc(0));
    this.dead = true;
    this.buf = Buffer.alloc(0);
    return { type: 'error', error: new ImapParseError(message, tag, true) };
  }

  private resetCommand(): void {
    this.cmd = [];
    this.cmdSize = 0;
    this.discarding = null;
    this.silent = false;
    this.inAppendTail = false;
    this.utf8Close = false;
    this.pendingAppend = null;
    this.appending = null;
    this.remaining = 0;
    this.mode = 'line';
  }

  private addToCommand(part: Buffer): void {
    if (!part.length) return;
    // copy: `part` may be a view into a buffer that is about to be released
    this.cmd.push(Buffer.from(part));
    this.cmdSize += part.length;
  }

  private consume(n: number): void {
    this.buf = n >= this.buf.length ? Buffer.alloc(0) : this.buf.subarray(n);
    this.scanned = 0;
  }
}
