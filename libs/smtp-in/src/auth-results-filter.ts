import { Transform, type TransformCallback } from 'node:stream';

/** A header block larger than this is passed on untouched: nothing of ours hides past it. */
const MAX_HEADER_BYTES = 256 * 1024;

/**
 * The authserv-id an `Authentication-Results` value starts with (RFC 8601 §2.2: CFWS, then a
 * token or quoted-string, then an optional version, then `;`), lowercased; undefined when the value
 * does not start with one.
 */
export function authservIdOf(value: string): string | undefined {
  let i = skipCfws(value, 0);
  if (i < 0 || i >= value.length) return undefined;
  if (value[i] === '"') {
    let out = '';
    for (i++; i < value.length; i++) {
      const c = value[i];
      if (c === '\\' && i + 1 < value.length) out += value[++i];
      else if (c === '"') return out.toLowerCase();
      else out += c;
    }
    return undefined;
  }
  const m = /^[^\s;()"]+/.exec(value.slice(i));
  return m ? m[0].toLowerCase() : undefined;
}

/** Skips white space and (nested) comments; -1 for an unterminated comment. */
function skipCfws(s: string, i: number): number {
  let depth = 0;
  for (; i < s.length; i++) {
    const c = s[i];
    if (depth > 0) {
      if (c === '\\') i++;
      else if (c === '(') depth++;
      else if (c === ')') depth--;
      continue;
    }
    if (c === '(') depth = 1;
    else if (c !== ' ' && c !== '\t' && c !== '\r' && c !== '\n') return i;
  }
  return depth > 0 ? -1 : i;
}

/**
 * The header block without the `Authentication-Results` fields that claim `authservId`: anyone can
 * write such a header into a message, and a client that trusts our verdicts must only ever see the
 * ones we added (RFC 8601 §5). Fields are kept byte for byte otherwise, folding included.
 */
export function withoutClaimedAuthResults(block: Buffer, authservId: string): { block: Buffer; removed: number } {
  const ours = authservId.toLowerCase();
  const text = block.toString('latin1');
  const fields: string[] = [];
  // a field is a line and the continuation lines (starting with SP or HTAB) that follow it
  const lines = text.split(/(?<=\n)/);
  for (const line of lines) {
    if ((line[0] === ' ' || line[0] === '\t') && fields.length) fields[fields.length - 1] += line;
    else fields.push(line);
  }
  let removed = 0;
  const kept = fields.filter((field) => {
    const m = /^authentication-results[ \t]*:/i.exec(field);
    if (!m || authservIdOf(field.slice(m[0].length)) !== ours) return true;
    removed++;
    return false;
  });
  return removed ? { block: Buffer.from(kept.join(''), 'latin1'), removed } : { block, removed };
}

/** Where the header block ends in `buf` (the index after its blank line), or -1. */
function headerEnd(buf: Buffer): number {
  if (buf[0] === 0x0a) return 1;
  if (buf[0] === 0x0d && buf[1] === 0x0a) return 2;
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf < 0) return lf < 0 ? -1 : lf + 2;
  if (lf < 0) return crlf + 4;
  return Math.min(crlf + 4, lf + 2);
}

/**
 * A stream that removes forged `Authentication-Results` of ours from a message's header block as it
 * passes (see withoutClaimedAuthResults). Only the header block is held, up to 256 KiB; the body
 * goes through untouched. `removed` counts what it took out.
 */
export class ClaimedAuthResultsFilter extends Transform {
  removed = 0;
  private held: Buffer[] = [];
  private heldBytes = 0;
  private passing = false;

  constructor(private readonly authservId: string) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.passing) return done(null, chunk);
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    const all = Buffer.concat(this.held, this.heldBytes);
    const end = headerEnd(all);
    if (end < 0 ? this.heldBytes > MAX_HEADER_BYTES : end > MAX_HEADER_BYTES) {
      this.release(all);
      return done();
    }
    if (end < 0) {
      this.held = [all];
      return done();
    }
    const { block, removed } = withoutClaimedAuthResults(all.subarray(0, end), this.authservId);
    this.removed += removed;
    this.push(block);
    this.release(all.subarray(end));
    done();
  }

  override _flush(done: TransformCallback): void {
    if (!this.passing && this.heldBytes) {
      // header only, no blank line: every line is a header field
      const { block, removed } = withoutClaimedAuthResults(Buffer.concat(this.held, this.heldBytes), this.authservId);
      this.removed += removed;
      this.push(block);
    }
    done();
  }

  private release(rest: Buffer): void {
    this.passing = true;
    this.held = [];
    this.heldBytes = 0;
    if (rest.length) this.push(rest);
  }
}
