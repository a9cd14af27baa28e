import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonForColumn, textForColumn } from './text-column.js';
import { scratchPglite } from './scratch-database.js';

describe('textForColumn / jsonForColumn', () => {
  it('replaces every U+0000 and leaves other text (and null) alone', () => {
    assert.equal(textForColumn('a\u0000b\u0000'), 'a\uFFFDb\uFFFD');
    assert.equal(textForColumn('plain ü 𝄞'), 'plain ü 𝄞');
    assert.equal(textForColumn(null), null);
    assert.equal(textForColumn(undefined), undefined);
  });

  it('cleans strings at any depth of a JSON value', () => {
    assert.equal(jsonForColumn({ a: ['x\u0000', { b: '\u0000' }], n: 1 }), '{"a":["x\uFFFD",{"b":"\uFFFD"}],"n":1}');
  });

  it('answers JSON.stringify as it is when there is no NUL, also for text that only spells one', () => {
    const v = { a: ['plain', { b: 'ü 𝄞 \n' }], n: 1, spelled: 'a\\u0000b' };
    assert.equal(jsonForColumn(v), JSON.stringify(v));
    assert.equal(JSON.parse(jsonForColumn(v)).spelled, 'a\\u0000b');
  });

  it('makes a NUL-bearing value storable in text and jsonb columns', async () => {
    const { db, drop } = await scratchPglite();
    try {
      await db.query('CREATE TABLE t (s text, j jsonb)');
      await assert.rejects(db.query('INSERT INTO t VALUES ($1, NULL)', ['a\u0000b']));
      await db.query('INSERT INTO t VALUES ($1, $2::jsonb)', [textForColumn('a\u0000b'), jsonForColumn({ s: 'a\u0000b' })]);
      const { rows } = await db.query<{ s: string; j: { s: string } }>('SELECT s, j FROM t');
      assert.deepEqual(rows, [{ s: 'a\uFFFDb', j: { s: 'a\uFFFDb' } }]);
    } finally {
      await drop();
    }
  });
});
