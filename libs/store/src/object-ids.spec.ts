import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { EmailIds } from './object-ids.js';

describe('EMAILID (RFC 8474, ADR 0056)', () => {
  it('is an objectid, one per index row, and turns back into its row id', () => {
    const ids = new EmailIds(randomUUID());
    const seen = new Set<string>();
    for (const row of [1, 2, 3, 1000, 2 ** 40, Number.MAX_SAFE_INTEGER]) {
      const id = ids.of(row);
      assert.match(id, /^M[0-9a-f]{32}$/);
      assert.ok(!seen.has(id));
      seen.add(id);
      assert.equal(ids.indexIdOf(id), row);
      // the same row, asked again (the cipher is reused across a page), gives the same id
      assert.equal(ids.of(row), id);
    }
  });

  it('differs between owners for the same stored message, and is not understood across them', () => {
    const a = new EmailIds(randomUUID());
    const b = new EmailIds(randomUUID());
    assert.notEqual(a.of(42), b.of(42));
    assert.equal(new EmailIds('x').of(42), new EmailIds('x').of(42));
    // what another owner's id deciphers to under our key is garbage, not a row of ours
    assert.equal(a.indexIdOf(b.of(42)), null);
  });

  it('refuses what is not one of its ids', () => {
    const ids = new EmailIds(randomUUID());
    assert.equal(ids.indexIdOf(''), null);
    assert.equal(ids.indexIdOf('M123'), null);
    assert.equal(ids.indexIdOf('X' + '0'.repeat(32)), null);
    assert.equal(ids.indexIdOf(ids.of(7).toUpperCase()), null);
  });
});
