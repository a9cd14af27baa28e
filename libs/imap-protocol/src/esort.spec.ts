import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { esortResponse } from './sort.js';

describe('esortResponse (RFC 5267 ESORT)', () => {
  it('answers in sort order: MIN/MAX first and last, ALL with ranges only for runs going up by one', () => {
    assert.equal(esortResponse({ tag: 'a', uid: false, returning: ['MIN', 'MAX', 'COUNT'], numbers: [5, 2, 9] }), '* ESEARCH (TAG "a") MIN 5 MAX 9 COUNT 3\r\n');
    assert.equal(esortResponse({ tag: 'b', uid: true, returning: ['ALL'], numbers: [7, 3, 4, 5, 1, 2, 9] }), '* ESEARCH (TAG "b") UID ALL 7,3:5,1:2,9\r\n');
    assert.equal(esortResponse({ tag: 'c', uid: false, returning: ['ALL'], numbers: [3, 2, 1] }), '* ESEARCH (TAG "c") ALL 3,2,1\r\n');
    assert.equal(esortResponse({ tag: 'd', uid: false, returning: ['ALL', 'COUNT', 'MIN'], numbers: [] }), '* ESEARCH (TAG "d") COUNT 0\r\n');
    assert.equal(esortResponse({ tag: 'e', uid: false, returning: ['ALL'], numbers: [4], modseq: 12 }), '* ESEARCH (TAG "e") ALL 4 MODSEQ 12\r\n');
  });
});
