import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMailDate } from './date-header.js';

describe('parseMailDate', () => {
  it('parses RFC 5322 dates and their obsolete forms', () => {
    assert.equal(parseMailDate('Tue, 1 Jul 2003 10:52:37 +0200'), '2003-07-01T08:52:37.000Z');
    assert.equal(parseMailDate('1 Jul 03 10:52 -0130 (weird)'), '2003-07-01T12:22:00.000Z');
    assert.equal(parseMailDate('Fri, 21 Nov 97 09:55:06 PST'), '1997-11-21T17:55:06.000Z');
    assert.equal(parseMailDate('Thu,\r\n 13\r\n Feb\r\n 1969\r\n 23:32\r\n -0330 (Newfoundland Time)'), '1969-02-14T03:02:00.000Z');
    assert.equal(parseMailDate('Mon, 2 Jan 2023 09:00:00 GMT'), '2023-01-02T09:00:00.000Z');
  });

  it('falls back to Date.parse, or null', () => {
    assert.equal(parseMailDate('2021-05-06T07:08:09Z'), '2021-05-06T07:08:09.000Z');
    assert.equal(parseMailDate('not a date'), null);
    assert.equal(parseMailDate(''), null);
    assert.equal(parseMailDate(null), null);
    assert.equal(parseMailDate('1 Foo 2020 10:00 +0000'), null);
  });
});
