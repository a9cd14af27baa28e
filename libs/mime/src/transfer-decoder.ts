/**
 * Incremental Content-Transfer-Encoding decoder: bytes in, decoded bytes out, any split.
 * decodeInto() writes into the caller's buffer, which must have DECODE_SLACK bytes of room beyond
 * the chunk's length (carried-over state is flushed with it): a text sink decodes a body line by
 * line into one growing buffer instead of allocating for every line.
 */
export interface TransferDecoder {
  /** decodes `chunk` into `out` from `at`; returns the new end */
  decodeInto(chunk: Uint8Array, out: Buffer, at: number): number;
  end(): Buffer;
}

/** room beyond a chunk's length that decodeInto may need ("=", a hex digit or up to 100 blanks) */
export const DECODE_SLACK = 104;

const B64 = new Int16Array(256).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.split('').forEach((c, i) => {
  B64[c.charCodeAt(0)] = i;
});
// base64url letters show up in broken mailers; accept them rather than lose text
B64['-'.charCodeAt(0)] = 62;
B64['_'.charCodeAt(0)] = 63;

/** Skips anything outside the alphabet (line breaks, padding, garbage) like RFC 2045 6.8 asks. */
export class Base64Decoder implements TransferDecoder {
  private acc = 0;
  private bits = 0;

  decodeInto(chunk: Uint8Array, out: Buffer, at: number): number {
    let n = at;
    for (let i = 0; i < chunk.length; i++) {
      const v = B64[chunk[i]];
      if (v < 0) continue;
      this.acc = ((this.acc << 6) | v) & 0xffffff;
      this.bits += 6;
      if (this.bits >= 8) {
        this.bits -= 8;
        out[n++] = (this.acc >> this.bits) & 0xff;
      }
    }
    return n;
  }

  end(): Buffer {
    return Buffer.alloc(0);
  }
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

const isBlank = (c: number) => c === 0x20 || c === 0x09;

/**
 * Where the blanks (and a CR) that end out[floor..n) start: trailing white space of a line,
 * which RFC 2045 6.7 (3) says "must be deleted by decoding software, since it may have been
 * added by transport". At most `max` bytes are looked at.
 */
function trailingBlanks(out: Buffer, floor: number, n: number, max: number): number {
  let s = n;
  if (s > floor && out[s - 1] === 0x0d) s--;
  while (s > floor && n - s < max && isBlank(out[s - 1])) s--;
  return s;
}

/**
 * Quoted-printable (RFC 2045 6.7). Soft line breaks ("=" then optional blanks then a line break)
 * vanish; trailing blanks of a hard line break go (rule 3), while an encoded "=20" and blanks before
 * a soft break stay; a malformed "=" escape is kept literally, which is what readers show.
 */
export class QuotedPrintableDecoder implements TransferDecoder {
  private state: 'text' | 'eq' | 'hex' | 'blank' = 'text';
  private hex = 0;
  private blanks: number[] = [];
  /** blanks (and a CR) that ended the last chunk: trailing or not depends on what comes next */
  private held: Buffer | null = null;

  decodeInto(chunk: Uint8Array, out: Buffer, at: number): number {
    // carried-over state ("=", a hex digit or up to 100 blanks) may be flushed literally
    let n = at;
    if (this.held) {
      this.held.copy(out, n);
      n += this.held.length;
      this.held = null;
    }
    // out[floor..n) may still be trimmed: nothing decoded from an escape or kept by a soft break
    let floor = at;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      switch (this.state) {
        case 'text': {
          // the bulk of a QP body is plain bytes: a tight copy loop up to the next "=" (lines are
          // short: Buffer.indexOf's call into C++ costs more than the scan)
          for (let b = chunk[i]; i < chunk.length && b !== 0x3d; b = chunk[++i]) {
            if (b === 0x0a) {
              const cr = n > floor && out[n - 1] === 0x0d;
              const s = trailingBlanks(out, floor, n, n - floor);
              if (s < n - (cr ? 1 : 0)) {
                n = s;
                if (cr) out[n++] = 0x0d;
              }
            }
            out[n++] = b;
          }
          if (i < chunk.length) this.state = 'eq';
          break;
        }
        case 'eq':
          if (hexValue(c) >= 0) {
            this.hex = c;
            this.state = 'hex';
          } else if (c === 0x0a) {
            this.state = 'text';
            floor = n;
          } else if (c === 0x20 || c === 0x09 || c === 0x0d) {
            this.blanks = [c];
            this.state = 'blank';
          } else if (c === 0x3d) {
            out[n++] = 0x3d;
          } else {
            out[n++] = 0x3d;
            out[n++] = c;
            this.state = 'text';
            floor = n;
          }
          break;
        case 'hex':
          if (hexValue(c) >= 0) {
            out[n++] = hexValue(this.hex) * 16 + hexValue(c);
          } else {
            out[n++] = 0x3d;
            out[n++] = this.hex;
            i--;
          }
          this.state = 'text';
          floor = n;
          break;
        case 'blank':
          if (c === 0x0a) {
            this.blanks = [];
            this.state = 'text';
            floor = n;
          } else if ((c === 0x20 || c === 0x09 || c === 0x0d) && this.blanks.length < 100) {
            this.blanks.push(c);
          } else {
            out[n++] = 0x3d;
            for (const b of this.blanks) out[n++] = b;
            this.blanks = [];
            this.state = 'text';
            floor = n;
            i--;
          }
          break;
      }
    }
    if (this.state === 'text') {
      // blanks at the end of the chunk wait for the next byte: a line break deletes them. At most
      // 100 wait (the slack a caller leaves): QP lines are at most 76 characters (RFC 2045 6.7
      // rule 5), so only a broken line split at a chunk's end keeps some of a longer run
      const s = trailingBlanks(out, floor, n, 100);
      if (s < n) {
        this.held = Buffer.from(out.subarray(s, n));
        n = s;
      }
    }
    return n;
  }

  end(): Buffer {
    // "=" or "= " at the very end is a soft break with nothing after it; blanks that end the
    // body end its last line
    let rest = this.state === 'hex' ? Buffer.from([0x3d, this.hex]) : Buffer.alloc(0);
    if (this.held && this.held[this.held.length - 1] === 0x0d) rest = Buffer.from([0x0d]);
    this.state = 'text';
    this.blanks = [];
    this.held = null;
    return rest;
  }
}

class IdentityDecoder implements TransferDecoder {
  decodeInto(chunk: Uint8Array, out: Buffer, at: number): number {
    out.set(chunk, at);
    return at + chunk.length;
  }
  end(): Buffer {
    return Buffer.alloc(0);
  }
}

export function createTransferDecoder(encoding: string): TransferDecoder {
  switch (encoding.trim().toLowerCase()) {
    case 'base64':
      return new Base64Decoder();
    case 'quoted-printable':
      return new QuotedPrintableDecoder();
    default:
      return new IdentityDecoder();
  }
}

/** Transfer encodings a decoder exists for (RFC 2045 6.1); others are not decoded (IMAP BINARY: UNKNOWN-CTE). */
export function knownTransferEncoding(encoding: string): boolean {
  return ['7bit', '8bit', 'binary', 'base64', 'quoted-printable'].includes(encoding.trim().toLowerCase());
}

/** A whole body decoded from its Content-Transfer-Encoding (IMAP BINARY). */
export function decodeTransfer(data: Buffer, encoding: string): Buffer {
  const decoder = createTransferDecoder(encoding);
  const out = Buffer.allocUnsafe(data.length + DECODE_SLACK);
  const n = decoder.decodeInto(data, out, 0);
  const rest = decoder.end();
  return rest.length ? Buffer.concat([out.subarray(0, n), rest]) : out.subarray(0, n);
}
