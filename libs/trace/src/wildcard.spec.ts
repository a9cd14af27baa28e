import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bareMessageId, matchOf } from './wildcard.js';

describe('matchOf', () => {
  it('compares a pattern without * for equality, taking LIKE characters literally', () => {
    assert.deepEqual(matchOf('a_b%c@x.test'), { equals: 'a_b%c@x.test' });
  });
  it('turns * into % and escapes %, _ and backslash', () => {
    assert.deepEqual(matchOf('a_b*@x%y.test'), { like: 'a\\_b%@x\\%y.test' });
    assert.deepEqual(matchOf('back\\slash*'), { like: 'back\\\\slash%' });
  });
  it('gives a reversed prefix for a leading wildcard, from the literal tail', () => {
    assert.deepEqual(matchOf('*@contoso.com'), { like: '%@contoso.com', reversedLike: 'moc.osotnoc@%' });
    assert.deepEqual(matchOf('*@*.contoso.com'), { like: '%@%.contoso.com', reversedLike: 'moc.osotnoc.%' });
    assert.deepEqual(matchOf('*_x'), { like: '%\\_x', reversedLike: 'x\\_%' });
  });
  it('collapses runs of * and needs no reversed prefix when the pattern ends with one', () => {
    assert.deepEqual(matchOf('**bob**'), { like: '%bob%' });
    assert.deepEqual(matchOf('*'), { like: '%' });
  });
});

describe('bareMessageId', () => {
  it('drops the angle brackets, keeps everything else', () => {
    assert.equal(bareMessageId(' <abc@x> '), 'abc@x');
    assert.equal(bareMessageId('abc@x'), 'abc@x');
    assert.equal(bareMessageId('<abc@x'), '<abc@x');
  });
});
