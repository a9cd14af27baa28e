import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { headerFieldsFilter } from './header-fields-filter.js';
import { parseHeaderBlock } from './header-block.js';

const header = Buffer.from('From: a@b\r\nSubject: one\r\n two\r\nTO: c@d\r\nX-Bad line\r\nsubject: again\r\n\r\n');

describe('headerFieldsFilter', () => {
  it('keeps the named fields with their folding, plus the blank line', () => {
    assert.equal(headerFieldsFilter(header, ['subject', 'To'], false).toString(), 'Subject: one\r\n two\r\nTO: c@d\r\nsubject: again\r\n\r\n');
  });

  it('drops the named fields with NOT', () => {
    assert.equal(headerFieldsFilter(header, ['SUBJECT'], true).toString(), 'From: a@b\r\nTO: c@d\r\n\r\n');
  });

  it('answers just the blank line when nothing matches, and terminates a last unterminated field', () => {
    assert.equal(headerFieldsFilter(header, ['x-none'], false).toString(), '\r\n');
    assert.equal(headerFieldsFilter(Buffer.from('A: 1\nB: 2'), ['b'], false).toString(), 'B: 2\r\n\r\n');
  });
});

describe('parseHeaderBlock', () => {
  it('unfolds, lowercases names and skips junk lines', () => {
    assert.deepEqual(parseHeaderBlock(Buffer.from('From x Mon Jan 1 00:00:00 2020\r\n cont\r\nSubject : a\r\n\tb \r\n:novalue\r\nX: \xff\r\n', 'latin1')), [
      { name: 'subject', rawName: 'Subject', value: 'a\tb' },
      { name: 'x', rawName: 'X', value: '\xff' },
    ]);
  });
});
