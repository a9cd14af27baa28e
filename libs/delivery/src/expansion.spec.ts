import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expansionOf } from './expansion.js';

describe('expansionOf', () => {
  it('says nothing for a recipient that is its own mailbox, whatever the case', () => {
    assert.equal(expansionOf('Ann@X.test', { deliverTo: [{ address: 'ann@x.test' }], forwardTo: [] }), null);
  });
  it('names the mailboxes an alias or group became', () => {
    assert.equal(expansionOf('team@x.test', { deliverTo: [{ address: 'a@x.test' }, { address: 'b@x.test' }], forwardTo: [] }), 'expanded to mailboxes a@x.test, b@x.test');
    assert.equal(expansionOf('postmaster@x.test', { deliverTo: [{ address: 'a@x.test' }], forwardTo: [] }), 'expanded to mailbox a@x.test');
  });
  it('names remote forwards', () => {
    assert.equal(expansionOf('a@x.test', { deliverTo: [{ address: 'a@x.test' }], forwardTo: ['a@remote.test'] }), 'expanded to mailbox a@x.test; forwarded to a@remote.test');
    assert.equal(expansionOf('f@x.test', { deliverTo: [], forwardTo: ['z@remote.test'] }), 'expanded forwarded to z@remote.test');
  });
});
