import { Pop3ReplyError } from './pop3-reply-error.js';

const LF = 0x0a;
const CR = 0x0d;

/** RFC 1939 §3 keeps a reply line to 512 octets; a little more is tolerated for servers that chatter. */
export const DEFAULT_MAX_REPLY_LINE = 4096;

/**
 * Gathers one line at a time out of a byte stream: a status line or a listing line. A line
 * longer than `maxLength` is a protocol error rather than something to skip: a server that
 * sends one is broken or hostile, and a client that buffered it would grow without bound.
 */
export class ReplyLineBuffer {
  private parts: Buffer[] = [];
  private size = 0;

  constructor(private readonly maxLength = DEFAULT_MAX_REPLY_LINE) {}

  /** Feeds bytes until a line completes: answers the line (CR/LF stripped) and the offset past it, or undefined with everything taken. */
  feed(chunk: Buffer): { line: string; next: number } | undefined {
    const lf = chunk.indexOf(LF);
    const end = lf === -1 ? chunk.length : lf;
    this.size += end;
    if (this.size > this.maxLength + 1) throw new Pop3ReplyError(`reply line longer than ${this.maxLength} octets`);
    this.parts.push(chunk.subarray(0, end));
    if (lf === -1) return undefined;
    let line = Buffer.concat(this.parts, this.size);
    if (line.length && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
    if (line.length > this.maxLength) throw new Pop3ReplyError(`reply line longer than ${this.maxLength} octets`);
    this.parts = [];
    this.size = 0;
    return { line: line.toString('latin1'), next: lf + 1 };
  }
}

/** A status line: `+OK text` or `-ERR text` (RFC 1939 §3); anything else breaks the protocol. */
export function parseStatusLine(line: string): { ok: boolean; text: string } {
  if (line === '+OK' || line.startsWith('+OK ')) return { ok: true, text: line.slice(4) };
  if (line === '-ERR' || line.startsWith('-ERR ')) return { ok: false, text: line.slice(5) };
  throw new Pop3ReplyError(`not a POP3 status line: ${JSON.stringify(line.slice(0, 80))}`);
}
