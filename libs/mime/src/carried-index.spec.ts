import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeCarriedIndex, encodeCarriedIndex } from '@mail/contracts';
import { indexMessageBuffer } from './message-indexer.js';

const message = (n: number) => Buffer.from(`From: a@example.com\r\nTo: b@example.com\r\nSubject: carried ${n}\r\nMessage-ID: <${n}@example.com>\r\n\r\nBody ${n}\r\n`);

/** The carried index (ADR 0007) decoded in the process that encoded it (ADR 0069). */
describe('carried index', () => {
  it('comes back as the object this process encoded, when the size matches', () => {
    const raw = message(1);
    const index = indexMessageBuffer(raw);
    const carried = encodeCarriedIndex(index);
    assert.ok(carried);
    assert.equal(decodeCarriedIndex(carried, raw.length), index);
    // an equal string that travelled (a copy) finds it too
    assert.equal(decodeCarriedIndex(JSON.parse(JSON.stringify(carried)) as string, raw.length), index);
    assert.equal(decodeCarriedIndex(carried, raw.length + 1), null, 'another blob size: unusable');
  });

  it('parses and validates a string encoded elsewhere, or one this process forgot', () => {
    const raws = Array.from({ length: 40 }, (_, i) => message(100 + i));
    const indexes = raws.map((raw) => indexMessageBuffer(raw));
    const carried = indexes.map((index) => encodeCarriedIndex(index) as string);
    const first = decodeCarriedIndex(carried[0]!, raws[0]!.length);
    assert.notEqual(first, indexes[0], 'the oldest was let go');
    assert.deepEqual(first, indexes[0], 'and is parsed again');
    assert.equal(decodeCarriedIndex(carried[39]!, raws[39]!.length), indexes[39]);
    const foreign = JSON.parse(carried[1]!) as Record<string, unknown>;
    assert.equal(decodeCarriedIndex(JSON.stringify({ ...foreign, subject: 'extra', size: 'big' }), raws[1]!.length), null, 'validated: a wrong shape is refused');
    assert.equal(decodeCarriedIndex('{not json', 10), null);
  });
});
