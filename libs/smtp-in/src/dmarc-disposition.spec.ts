import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dmarcDisposition, domainsToAsk } from './dmarc-disposition.js';

const fail = (policy: 'none' | 'quarantine' | 'reject') => ({ result: 'fail', policy, fromDomain: 'bank.test' });
const rcpts = ['a@one.test', 'b@TWO.test', 'c@one.test'];

describe('dmarcDisposition', () => {
  it('does nothing unless DMARC failed under a policy', () => {
    for (const v of [{ result: 'pass', policy: 'reject' as const }, { result: 'temperror', policy: 'reject' as const }, { result: 'none', policy: 'none' as const }, fail('none')]) {
      assert.deepEqual(dmarcDisposition(v, rcpts, () => 'enforce'), { refuse: false, junk: [] });
    }
    assert.deepEqual(domainsToAsk(fail('none'), rcpts), []);
    assert.deepEqual(domainsToAsk(fail('reject'), rcpts), ['one.test', 'two.test']);
  });

  it('refuses p=reject when every recipient domain enforces (unknown domains enforce)', () => {
    assert.deepEqual(dmarcDisposition(fail('reject'), rcpts, () => undefined), { refuse: true, junk: [] });
  });

  it('sends p=quarantine to Junk for enforcing domains only', () => {
    const setting = (d: string) => (d === 'two.test' ? ('report-only' as const) : ('enforce' as const));
    assert.deepEqual(dmarcDisposition(fail('quarantine'), rcpts, setting), { refuse: false, junk: ['a@one.test', 'c@one.test'] });
  });

  it('delivers everything when every domain is report-only', () => {
    assert.deepEqual(dmarcDisposition(fail('reject'), rcpts, () => 'report-only'), { refuse: false, junk: [] });
  });

  it('puts p=reject in Junk for the enforcing recipients when another domain only reports', () => {
    const setting = (d: string) => (d === 'two.test' ? ('report-only' as const) : ('enforce' as const));
    assert.deepEqual(dmarcDisposition(fail('reject'), rcpts, setting), { refuse: false, junk: ['a@one.test', 'c@one.test'] });
  });
});
