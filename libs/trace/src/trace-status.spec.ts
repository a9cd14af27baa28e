import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { statusOf } from './trace-status.js';

const s = (event: string, recipient: string | null = 'a@x') => ({ event, recipient });

describe('statusOf', () => {
  it('is pending with no recipient step yet, or while any recipient is on its way', () => {
    assert.equal(statusOf([s('received', null)]), 'pending');
    assert.equal(statusOf([s('queued'), s('queued', 'b@x'), s('delivered')]), 'pending');
    assert.equal(statusOf([s('queued'), s('deferred')]), 'pending');
  });
  it('takes each recipient’s latest step', () => {
    assert.equal(statusOf([s('queued'), s('deferred'), s('relayed')]), 'delivered');
    assert.equal(statusOf([s('queued'), s('expanded'), s('delivered')]), 'delivered');
  });
  it('tells refused, failed and partial apart', () => {
    assert.equal(statusOf([s('rejected'), s('rejected', 'b@x')]), 'refused');
    assert.equal(statusOf([s('queued'), s('bounced')]), 'failed');
    assert.equal(statusOf([s('rejected'), s('queued', 'b@x'), s('failed', 'b@x')]), 'failed');
    assert.equal(statusOf([s('rejected'), s('queued', 'b@x'), s('delivered', 'b@x')]), 'partial');
  });
});
