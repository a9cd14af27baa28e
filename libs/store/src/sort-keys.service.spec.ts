import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { boundReferences } from './references-bound.js';

describe('boundReferences', () => {
  it('passes a usual header and keeps the start and end of a huge one', () => {
    assert.equal(boundReferences(null), null);
    assert.equal(boundReferences('<a@b> <c@d>'), '<a@b> <c@d>');
    const ids = Array.from({ length: 20_000 }, (_, i) => `<${i}@x>`).join(' ');
    const bounded = boundReferences(ids)!;
    assert.ok(bounded.length <= 8192 + 1);
    assert.ok(bounded.startsWith('<0@x> <1@x>'));
    assert.ok(bounded.endsWith('<19998@x> <19999@x>'));
  });
});
