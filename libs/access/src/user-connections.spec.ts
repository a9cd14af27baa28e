import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserConnections } from './user-connections.js';

describe('UserConnections', () => {
  it('admits up to max sessions per account, each account on its own, and takes a slot back once', () => {
    const users = new UserConnections(2);
    const a1 = users.take('a');
    const a2 = users.take('a');
    assert.ok(a1 && a2);
    assert.equal(users.take('a'), undefined);
    assert.ok(users.take('b'), 'another account is counted apart');
    a1();
    a1();
    assert.equal(users.count('a'), 1, 'a release given twice counts once');
    assert.ok(users.take('a'));
    assert.equal(users.take('a'), undefined);
  });

  it('counts nothing with max 0', () => {
    const users = new UserConnections(0);
    for (let i = 0; i < 5; i++) assert.ok(users.take('a'));
    assert.equal(users.count('a'), 0);
  });
});
