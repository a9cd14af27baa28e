import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nowPlusMs } from './now-plus-ms.js';
import { scratchPglite } from './scratch-database.js';

describe('nowPlusMs', () => {
  it('is now() plus the parameter in milliseconds, fractions and zero included', async () => {
    const { db, drop } = await scratchPglite();
    try {
      const { rows } = await db.query<{ a: number; b: number; c: number }>(
        `SELECT extract(epoch FROM ${nowPlusMs('$1')} - now()) AS a, extract(epoch FROM ${nowPlusMs('$2')} - now()) AS b, extract(epoch FROM ${nowPlusMs('$3')} - now()) AS c`,
        [15_000, 0, 1.5],
      );
      assert.deepEqual(rows.map((r) => [Number(r.a), Number(r.b), Number(r.c)]), [[15, 0, 0.0015]]);
    } finally {
      await drop();
    }
  });
});
