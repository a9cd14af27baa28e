import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { effectiveLimits, quotaProblem } from './quota-check.js';

describe('quotaProblem', () => {
  const none = { bytes: null, messages: null };

  it('lets anything in without limits', () => {
    assert.equal(quotaProblem({ bytes: 1e12, messages: 1e9 }, { bytes: 1e9, messages: 1 }, none), null);
  });

  it('allows filling up to the byte limit exactly, not one byte more', () => {
    assert.equal(quotaProblem({ bytes: 900, messages: 1 }, { bytes: 100, messages: 1 }, { bytes: 1000, messages: null }), null);
    assert.match(quotaProblem({ bytes: 900, messages: 1 }, { bytes: 101, messages: 1 }, { bytes: 1000, messages: null }) ?? '', /900 of 1000 bytes/);
  });

  it('counts messages separately from bytes', () => {
    assert.equal(quotaProblem({ bytes: 0, messages: 2 }, { bytes: 10, messages: 1 }, { bytes: null, messages: 3 }), null);
    assert.match(quotaProblem({ bytes: 0, messages: 3 }, { bytes: 10, messages: 1 }, { bytes: null, messages: 3 }) ?? '', /3 of 3 messages/);
    assert.match(quotaProblem({ bytes: 0, messages: 1 }, { bytes: 10, messages: 5 }, { bytes: null, messages: 3 }) ?? '', /5 more/);
  });

  it('never refuses an operation that adds nothing (a MOVE, an empty COPY), even over quota', () => {
    assert.equal(quotaProblem({ bytes: 5000, messages: 50 }, { bytes: 0, messages: 0 }, { bytes: 10, messages: 1 }), null);
  });

  it('refuses a zero-byte message when the message count is full', () => {
    assert.ok(quotaProblem({ bytes: 0, messages: 1 }, { bytes: 0, messages: 1 }, { bytes: 100, messages: 1 }));
  });

  it('an account already over its limit (lowered by the admin) takes nothing more', () => {
    assert.ok(quotaProblem({ bytes: 2000, messages: 0 }, { bytes: 1, messages: 1 }, { bytes: 1000, messages: null }));
  });
});

describe('effectiveLimits', () => {
  it('prefers the directory, then the store column, then the default', () => {
    assert.deepEqual(effectiveLimits({ bytes: 5, messages: 7 }, 10, 20), { bytes: 5, messages: 7 });
    assert.deepEqual(effectiveLimits({ bytes: null, messages: 7 }, 10, 20), { bytes: 10, messages: 7 });
    assert.deepEqual(effectiveLimits(undefined, null, 20), { bytes: 20, messages: null });
    assert.deepEqual(effectiveLimits(undefined, null, null), { bytes: null, messages: null });
  });
});
