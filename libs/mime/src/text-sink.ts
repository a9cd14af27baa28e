import libmime from 'libmime';
import { htmlToText } from './html-text.js';
import { createTransferDecoder, DECODE_SLACK, type TransferDecoder } from './transfer-decoder.js';

const EMPTY = Buffer.alloc(0);

/**
 * Decodes a charset name the way mail needs: WHATWG labels first (TextDecoder covers the legacy
 * single- and multi-byte sets), then libmime's aliases (win-1257 ...), else UTF-8.
 */
export function decodeCharset(bytes: Buffer, charset: string | null): string {
  const labels = [charset?.trim() || 'utf-8'];
  try {
    labels.push(libmime.normalizeCharset(labels[0]));
  } catch {
    // an unknown label just falls through to UTF-8
  }
  labels.push('utf-8');
  for (const label of labels) {
    try {
      return new TextDecoder(label).decode(bytes);
    } catch {
      continue;
    }
  }
  return bytes.toString('utf8');
}

/**
 * Collects the decoded text of one text/* part for search, keeping at most `limit` decoded bytes
 * so a huge body costs no memory. The part arrives line by line: each is decoded straight into one
 * buffer that grows as needed, not into an allocation of its own.
 */
export class TextSink {
  private readonly decoder: TransferDecoder;
  private buf: Buffer = EMPTY;
  private size = 0;

  constructor(
    encoding: string,
    private readonly charset: string | null,
    private readonly html: boolean,
    private readonly limit: number,
  ) {
    this.decoder = createTransferDecoder(encoding);
  }

  get full(): boolean {
    return this.size >= this.limit;
  }

  write(bytes: Uint8Array): void {
    if (this.full || bytes.length === 0) return;
    this.reserve(bytes.length + DECODE_SLACK);
    this.size = Math.min(this.decoder.decodeInto(bytes, this.buf, this.size), this.limit);
  }

  private reserve(more: number): void {
    const needed = this.size + more;
    if (needed <= this.buf.length) return;
    // doubling keeps the copies linear; a part's text rarely outgrows the first few KiB
    const grown = Buffer.allocUnsafe(Math.max(needed, Math.min(this.buf.length * 2 || 4096, this.limit + DECODE_SLACK)));
    this.buf.copy(grown, 0, 0, this.size);
    this.buf = grown;
  }

  finish(): string {
    if (!this.full) {
      const rest = this.decoder.end();
      const keep = Math.min(rest.length, this.limit - this.size);
      this.reserve(keep);
      rest.copy(this.buf, this.size, 0, keep);
      this.size += keep;
    }
    const text = decodeCharset(this.buf.subarray(0, this.size), this.charset);
    return this.html ? htmlToText(text) : text;
  }
}
