import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mailDateDay, parseMailDate } from './date-header.js';

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

describe('mailDateDay', () => {
  it("gives the day in the header's own zone, not in UTC", () => {
    assert.equal(mailDateDay('Mon, 7 Feb 1994 21:52:25 -0800 (PST)'), '1994-02-07');
    assert.equal(mailDateDay('Tue, 8 Dec 2026 00:30:00 +1300'), '2026-12-08');
    assert.equal(mailDateDay('Thu,\r\n 13\r\n Feb\r\n 1969\r\n 23:32\r\n -0330 (Newfoundland Time)'), '1969-02-13');
    assert.equal(mailDateDay('Fri, 21 Nov 97 23:55:06 PST'), '1997-11-21');
    assert.equal(mailDateDay('2021-05-06T07:08:09Z'), '2021-05-06');
  });

  it('is null for what is not a date, and survives hostile input', () => {
    assert.equal(mailDateDay('not a date'), null);
    assert.equal(mailDateDay(null), null);
    assert.equal(mailDateDay('1 Jan 0001 00:00 +2359'), null);
    assert.equal(mailDateDay('31 Dec 9999 23:59 -2359'), null);
    assert.equal(mailDateDay('1 '.repeat(20_000) + 'Jan 2020 10:00'), null);
  });
});
