import { CARRIED_INDEX_MAX_CHARS, type MessageIndex } from '@mail/contracts';
import { MimeScanner } from './mime-scanner.js';

/**
 * The MIME scanner fed alongside another consumer of the same bytes (a blob upload), for an index
 * to carry with the message (ADR 0007), with its failures contained: a message that trips the
 * scanner must still be accepted, and the store then parses it from the blob.
 *
 * It keeps no more text than can be carried (a mail front end holds one of these per message in
 * flight, so it must stay small), and gives no index at all when a content limit cut anything:
 * what it gives is then exactly what the store's own parse of the blob would give.
 */
export class TolerantIndexer {
  private scanner: MimeScanner | null = new MimeScanner({ maxTextChars: CARRIED_INDEX_MAX_CHARS });

  feed(chunk: Uint8Array): void {
    if (!this.scanner) return;
    try {
      this.scanner.write(chunk);
    } catch {
      this.scanner = null;
    }
  }

  /** the index of everything fed, or undefined if the scanner gave up or cut something */
  end(): MessageIndex | undefined {
    const scanner = this.scanner;
    this.scanner = null;
    try {
      const index = scanner?.end();
      return scanner?.cutByLimits ? undefined : index;
    } catch {
      return undefined;
    }
  }
}
