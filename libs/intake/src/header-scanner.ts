import libmime from 'libmime';
import addressparser from 'nodemailer/lib/addressparser';

/** The header block is never allowed to grow the scanner beyond this; the rest of it is ignored. */
const MAX_HEADER_BYTES = 256 * 1024;
const MAX_VALUE = 998;

export interface ScannedHeaders {
  messageId?: string;
  subject?: string;
  /** addresses of the From: header(s), lowercased as given; empty if there is none */
  from: string[];
  /** the Received: header values, newest (topmost) first, at most 50: the chain a filter connector reads */
  received: string[];
  /** true when the end of the header block was seen (false for header-only or oversized blocks) */
  complete: boolean;
}

/**
 * Watches a message go by and keeps only its header block (up to a cap), so Message-ID, Subject
 * and From are known without ever holding the body in memory.
 */
export class HeaderScanner {
  private chunks: Buffer[] = [];
  private size = 0;
  private done = false;
  private complete = false;
  private tail = Buffer.alloc(0);

  feed(chunk: Buffer): void {
    if (this.done) return;
    if (this.size === 0 && (chunk[0] === 0x0a || (chunk[0] === 0x0d && chunk[1] === 0x0a))) {
      // a message that opens with a blank line has no header at all
      this.done = this.complete = true;
      return;
    }
    // look for the blank line across the chunk boundary too
    const tail = this.tail;
    const window = Buffer.concat([tail, chunk]);
    this.tail = Buffer.from(window.subarray(-3));
    const end = findHeaderEnd(window);
    if (end >= 0) {
      const take = Math.max(0, end - tail.length);
      this.push(chunk.subarray(0, take));
      this.done = true;
      this.complete = true;
      return;
    }
    this.push(chunk);
    if (this.size >= MAX_HEADER_BYTES) this.done = true;
  }

  private push(part: Buffer): void {
    const room = MAX_HEADER_BYTES - this.size;
    if (room <= 0) return;
    const slice = part.length > room ? part.subarray(0, room) : part;
    this.chunks.push(Buffer.from(slice));
    this.size += slice.length;
  }

  /** The raw header block seen so far (without the blank line). */
  raw(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }

  result(): ScannedHeaders {
    const fields = parseHeaderFields(this.raw().toString('utf8'));
    const first = (name: string) => fields.find((f) => f.name === name)?.value;
    const messageId = first('message-id')?.trim();
    const subject = first('subject');
    const from = fields
      .filter((f) => f.name === 'from')
      .flatMap((f) => addressparser(f.value, { flatten: true }))
      .map((a) => a.address.trim())
      .filter(Boolean);
    return {
      messageId: messageId ? messageId.slice(0, MAX_VALUE) : undefined,
      subject: subject !== undefined ? decodeSubject(subject).slice(0, MAX_VALUE) : undefined,
      from,
      received: fields
        .filter((f) => f.name === 'received')
        .slice(0, 50)
        .map((f) => f.value.slice(0, MAX_VALUE)),
      complete: this.complete,
    };
  }
}

function findHeaderEnd(buf: Buffer): number {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf < 0) return lf < 0 ? -1 : lf + 1;
  if (lf < 0) return crlf + 2;
  return Math.min(crlf + 2, lf + 1);
}

/** Unfolds and splits a header block; lines that are not `name: value` are skipped. */
export function parseHeaderFields(block: string): Array<{ name: string; value: string }> {
  const fields: Array<{ name: string; value: string }> = [];
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && fields.length) {
      fields[fields.length - 1].value += ' ' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) continue;
    fields.push({ name, value: line.slice(colon + 1).trim() });
  }
  return fields;
}

function decodeSubject(value: string): string {
  try {
    return libmime.decodeWords(value).trim();
  } catch {
    return value.trim();
  }
}
