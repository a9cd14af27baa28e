import type { MimePart } from '@mail/contracts';
import { indexMessageBuffer } from './message-indexer.js';

export type NulRewrite =
  /** no NUL byte anywhere: the message is kept as it is */
  | { kind: 'unchanged' }
  /** every part whose body held a NUL byte is now base64 */
  | { kind: 'rewritten'; bytes: Buffer; parts: number }
  /** a NUL where no transfer encoding can carry it (a header, a boundary line, an encoded body) */
  | { kind: 'unfixable'; reason: string };

/** the transfer encodings that leave bytes as they are: the only ones a NUL can legitimately sit in */
const IDENTITY = new Set(['7bit', '8bit', 'binary']);
const LINE = 76;

/**
 * IMAP may not send a NUL byte except inside a literal8 of a BINARY answer (RFC 3501 4.3, RFC 9051
 * 4.3), yet an APPEND with a literal8 (RFC 3516) may carry `binary` parts full of them. As Dovecot
 * does, such a message is stored with each leaf part whose body holds a NUL re-encoded as base64
 * (its Content-Transfer-Encoding replaced): BODY[] then has no NUL, and BINARY[part] decodes back to
 * the bytes that were sent. Parts without NUL, boundaries and everything else stay byte for byte.
 * A NUL outside any leaf body, or inside a body that claims base64/quoted-printable or a composite
 * type, cannot be carried: the caller refuses the message (`NO [UNKNOWN-CTE]`, RFC 3516 4.3).
 */
export function reencodeNulParts(raw: Buffer): NulRewrite {
  let nul = raw.indexOf(0);
  if (nul < 0) return { kind: 'unchanged' };
  const leaves: MimePart[] = [];
  const problem = collect(indexMessageBuffer(raw).body, raw, leaves);
  if (problem) return { kind: 'unfixable', reason: problem };
  leaves.sort((a, b) => a.bodyStart - b.bodyStart);
  for (let li = 0; nul >= 0; nul = raw.indexOf(0, nul + 1)) {
    while (li < leaves.length && (leaves[li]?.bodyEnd ?? 0) <= nul) li++;
    const leaf = leaves[li];
    if (!leaf || nul < leaf.bodyStart) return { kind: 'unfixable', reason: 'a NUL byte outside any body part (a header, a boundary line, a preamble)' };
  }
  const out: Buffer[] = [];
  let pos = 0;
  for (const leaf of leaves) {
    const header = base64Header(raw.subarray(leaf.headerStart, leaf.bodyStart), leaf.headerStart === 0);
    if (typeof header === 'string') return { kind: 'unfixable', reason: header };
    const eol = header.eol;
    const body = raw.subarray(leaf.bodyStart, leaf.bodyEnd).toString('base64');
    const lines: string[] = [];
    for (let i = 0; i < body.length; i += LINE) lines.push(body.slice(i, i + LINE));
    // a part inside a multipart ends where the delimiter's line break starts: that break stays
    const next = raw[leaf.bodyEnd];
    const closing = next === 0x0d || next === 0x0a ? '' : eol;
    out.push(raw.subarray(pos, leaf.headerStart), header.bytes, Buffer.from(lines.join(eol) + closing, 'latin1'));
    pos = leaf.bodyEnd;
  }
  out.push(raw.subarray(pos));
  return { kind: 'rewritten', bytes: Buffer.concat(out), parts: leaves.length };
}

/** the leaf parts whose bodies hold a NUL, or why one cannot be re-encoded */
function collect(part: MimePart, raw: Buffer, out: MimePart[]): string | null {
  const at = raw.indexOf(0, part.bodyStart);
  if (at < 0 || at >= part.bodyEnd) return null;
  const encoding = part.encoding.toLowerCase();
  if (part.parts) {
    for (const child of part.parts) {
      const problem = collect(child, raw, out);
      if (problem) return problem;
    }
    return null;
  }
  if (!IDENTITY.has(encoding)) return `a NUL byte in a body that says it is ${encoding}`;
  if (part.message) return collect(part.message.body, raw, out);
  out.push(part);
  return null;
}

/**
 * The header block of a leaf with its Content-Transfer-Encoding fields (and their folded lines)
 * replaced by `base64`; the top-level header also gains MIME-Version when it had none. The line
 * breaks follow the block's own (CRLF, or a bare LF in a message that uses them).
 */
function base64Header(block: Buffer, topLevel: boolean): { bytes: Buffer; eol: string } | string {
  const text = block.toString('latin1');
  const lines = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  const last = lines[lines.length - 1];
  const blank = last !== undefined && /^\r?\n$/.test(last) ? (lines.pop() ?? '') : '';
  const eol = blank === '\n' || (!blank && lines[0]?.endsWith('\n') && !lines[0].endsWith('\r\n')) ? '\n' : '\r\n';
  const kept: string[] = [];
  let dropping = false;
  let mimeVersion = false;
  for (const line of lines) {
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (!dropping) kept.push(line);
      continue;
    }
    const name = line.slice(0, Math.max(0, line.indexOf(':'))).trim().toLowerCase();
    if (name === 'content-type' && /^[\s]*(multipart|message)\//i.test(line.slice(line.indexOf(':') + 1))) {
      return 'a NUL byte in a composite part that could not be looked into';
    }
    if (name === 'mime-version') mimeVersion = true;
    dropping = name === 'content-transfer-encoding';
    if (!dropping) kept.push(line.endsWith('\n') ? line : line + eol);
  }
  if (topLevel && !mimeVersion) kept.push(`MIME-Version: 1.0${eol}`);
  kept.push(`Content-Transfer-Encoding: base64${eol}`, blank || eol);
  return { bytes: Buffer.from(kept.join(''), 'latin1'), eol };
}
