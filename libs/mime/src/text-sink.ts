import libmime from 'libmime';
import { htmlToText } from './html-text.js';
import { createTransferDecoder, type TransferDecoder } from './transfer-decoder.js';

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
 * so a huge body costs no memory.
 */
export class TextSink {
  private readonly decoder: TransferDecoder;
  private readonly chunks: Buffer[] = [];
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
    this.keep(this.decoder.write(bytes));
  }

  private keep(buf: Buffer): void {
    const room = this.limit - this.size;
    if (room <= 0 || buf.length === 0) return;
    // the decoder's output is its own memory (TransferDecoder): kept without a copy
    const piece = buf.length > room ? buf.subarray(0, room) : buf;
    this.chunks.push(piece);
    this.size += piece.length;
  }

  finish(): string {
    if (!this.full) this.keep(this.decoder.end());
    const text = decodeCharset(Buffer.concat(this.chunks), this.charset);
    return this.html ? htmlToText(text) : text;
  }
}
