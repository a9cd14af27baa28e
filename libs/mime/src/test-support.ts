import assert from 'node:assert/strict';
import { MessageIndex, type MimePart } from '@mail/contracts';
import { indexMessageBuffer } from './message-indexer.js';
import { MimeScanner } from './mime-scanner.js';

export const CHUNK_SIZES = [1, 7, 4096];

export function crlf(s: string): Buffer {
  return Buffer.from(s.replace(/\r?\n/g, '\r\n'), 'latin1');
}

export function lf(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

export function indexInChunks(raw: Buffer, size: number): MessageIndex {
  const scanner = new MimeScanner();
  for (let i = 0; i < raw.length; i += size) scanner.write(raw.subarray(i, i + size));
  return scanner.end();
}

/** Indexes whole and in every chunking, checks they agree and satisfy the contract schema. */
export function indexAll(raw: Buffer): MessageIndex {
  const whole = indexMessageBuffer(raw);
  MessageIndex.parse(whole);
  for (const size of CHUNK_SIZES) {
    assert.deepStrictEqual(indexInChunks(raw, size), whole, `chunk size ${size} differs`);
  }
  return whole;
}

export function bodyOf(raw: Buffer, part: MimePart): string {
  return raw.subarray(part.bodyStart, part.bodyEnd).toString('latin1');
}

export function mimeHeaderOf(raw: Buffer, part: MimePart): string {
  return raw.subarray(part.headerStart, part.bodyStart).toString('latin1');
}

/** Every offset in range and ordered, children inside their parent's body. */
export function checkOffsets(part: MimePart, size: number): void {
  assert.ok(0 <= part.headerStart && part.headerStart <= part.bodyStart, 'headerStart <= bodyStart');
  assert.ok(part.bodyStart <= part.bodyEnd && part.bodyEnd <= size, 'bodyStart <= bodyEnd <= size');
  assert.equal(part.size, part.bodyEnd - part.bodyStart);
  for (const child of part.parts ?? []) {
    assert.ok(child.headerStart >= part.bodyStart && child.bodyEnd <= part.bodyEnd, 'child inside parent');
    checkOffsets(child, size);
  }
  if (part.message) {
    assert.equal(part.message.body.headerStart, part.bodyStart);
    assert.equal(part.message.body.bodyEnd, part.bodyEnd);
    checkOffsets(part.message.body, size);
  }
}
