import type { Readable } from 'node:stream';
import type { BlobStore } from '@mail/blob';
import type { FetchedMessage } from '@mail/contracts';
import { applyPartial, downgradeHeaderBlock, filterHeaderFields, planSection, type Section } from '@mail/imap-protocol';
import { readRange } from '../read-whole.js';

/** Sections up to this size are read whole; larger ones stream from the blob store. */
export const INLINE_LIMIT = 64 * 1024;
/** a header block larger than this is cut when filtering fields (headers are rarely past a few KiB) */
export const MAX_HEADER_READ = 1024 * 1024;

/** a section's bytes: held whole when small, streamed from the blob store when not */
export type SectionData = { kind: 'buffer'; data: Buffer } | { kind: 'stream'; stream: Readable; size: number };

/** Where a message's body is: the store sends it whenever a FETCH reads bodies (`bodyRefs`). */
export function refsOf(msg: FetchedMessage): { blobKey: string; headerSize: number } {
  if (msg.blobKey === undefined || msg.headerSize === undefined) throw new Error(`message ${msg.uid} came without its blob key`);
  return { blobKey: msg.blobKey, headerSize: msg.headerSize };
}

/**
 * The bytes of BODY[section]<partial> (RFC 3501 6.4.5) from the blob store, with ranged reads: what
 * FETCH sends and what a CATENATE URL part (RFC 4469) copies. Part sections need the message's
 * body structure. `downgrade`: header sections for a session that did not enable UTF-8 (a
 * CATENATE copies the bytes as stored).
 */
export async function readSection(
  blobs: BlobStore,
  msg: FetchedMessage,
  section: Section,
  partial: { start: number; length: number } | null,
  signal?: AbortSignal,
  downgrade = false,
): Promise<SectionData> {
  const { blobKey, headerSize } = refsOf(msg);
  const plan = planSection(section, { size: msg.size, headerSize, body: msg.body });
  if (plan.kind === 'empty') return { kind: 'buffer', data: Buffer.alloc(0) };
  if (plan.kind === 'header-fields') {
    const end = Math.min(plan.end, plan.start + MAX_HEADER_READ);
    const header = end > plan.start ? await readRange(blobs, blobKey, plan.start, end, signal) : Buffer.alloc(0);
    const filtered = filterHeaderFields(header, plan.fields, plan.not);
    const shown = downgrade ? downgradeHeaderBlock(filtered) : filtered;
    const { start, end: stop } = applyPartial(0, shown.length, partial);
    return { kind: 'buffer', data: shown.subarray(start, stop) };
  }
  // a header block for a session that did not enable UTF-8 (RFC 6857, ADR 0066): read whole,
  // downgraded, then cut, so a partial counts in the bytes the client is sent
  if (downgrade && (section.text === 'HEADER' || section.text === 'MIME')) {
    const end = Math.min(plan.end, msg.size, plan.start + MAX_HEADER_READ);
    const header = end > plan.start ? await readRange(blobs, blobKey, plan.start, end, signal) : Buffer.alloc(0);
    const shown = downgradeHeaderBlock(header.length > end - plan.start ? header.subarray(0, end - plan.start) : header);
    const { start, end: stop } = applyPartial(0, shown.length, partial);
    return { kind: 'buffer', data: shown.subarray(start, stop) };
  }
  const { start, end } = applyPartial(plan.start, Math.min(plan.end, msg.size), partial);
  if (end <= start) return { kind: 'buffer', data: Buffer.alloc(0) };
  if (end - start <= INLINE_LIMIT) {
    const data = await readRange(blobs, blobKey, start, end, signal);
    return { kind: 'buffer', data: data.length > end - start ? data.subarray(0, end - start) : data };
  }
  return { kind: 'stream', stream: await blobs.getRange(blobKey, start, end), size: end - start };
}
