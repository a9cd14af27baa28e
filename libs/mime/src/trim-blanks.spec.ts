import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { trimBlanks } from './trim-blanks.js';

describe('trimBlanks', () => {
  it('trims spaces and tabs (and trailing CRs) only', () => {
    assert.equal(trimBlanks(' \t a b \t\r'), 'a b');
    assert.equal(trimBlanks('\u00a0x\n'), '\u00a0x\n');
    assert.equal(trimBlanks(' x ', false), ' x');
    assert.equal(trimBlanks('   '), '');
    assert.equal(trimBlanks(''), '');
  });

  it('takes linear time on a long run of blanks before a letter', () => {
    const s = ' '.repeat(200_000) + 'x' + ' '.repeat(200_000) + 'y';
    assert.equal(trimBlanks(s).length, 200_002);
  });
});
