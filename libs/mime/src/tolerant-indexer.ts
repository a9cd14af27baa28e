import type { MessageIndex } from '@mail/contracts';
import { MimeScanner } from './mime-scanner.js';

/**
 * The MIME scanner fed alongside another consumer of the same bytes (a blob upload), with its
 * failures contained: where indexing on the way is an optimisation (ADR 0007), a message that trips
 * the scanner must still be accepted, and the store then parses it from the blob.
 */
export class TolerantIndexer {
  private scanner: MimeScanner | null = new MimeScanner();

  feed(chunk: Uint8Array): void {
    if (!this.scanner) return;
    try {
      this.scanner.write(chunk);
    } catch {
      this.scanner = null;
    }
  }

  /** the index of everything fed, or undefined if the scanner gave up */
  end(): MessageIndex | undefined {
    const scanner = this.scanner;
    this.scanner = null;
    try {
      return scanner?.end();
    } catch {
      return undefined;
    }
  }
}
