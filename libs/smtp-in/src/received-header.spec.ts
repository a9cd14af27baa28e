import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeaderScanner, rfc5322Date } from '@mail/intake';
import { receivedHeader } from './received-header.js';

describe('received header', () => {
  it('formats an RFC 5322 date', () => {
    assert.equal(rfc5322Date(new Date('2026-11-03T04:05:06Z')), 'Tue, 3 Nov 2026 04:05:06 +0000');
  });
  it('names a single recipient only and sanitises the HELO', () => {
    const base = { helo: 'evil\r\nX-Injected: 1', remoteAddress: '::1', hostname: 'mx.test', protocol: 'ESMTP', id: 'abc', date: new Date(0) };
    const one = receivedHeader({ ...base, recipients: ['a@b.c'] });
    assert.match(one, /^Received: from evil\?\?X-Injected:\?1 \(\[IPv6:::1\]\)\r\n\tby mx\.test with ESMTP id abc\r\n\tfor <a@b\.c>;\r\n\tThu, 1 Jan 1970 00:00:00 \+0000\r\n$/);
    assert.doesNotMatch(receivedHeader({ ...base, recipients: ['a@b.c', 'd@e.f'] }), /for </);
  });
});

describe('header scanner', () => {
  it('extracts Message-ID, Subject and From across chunk boundaries', () => {
    const s = new HeaderScanner();
    const msg = 'From: "A, B" <a@x.test>, c@y.test\r\nSubject: one\r\n two\r\nMessage-ID: <id@x>\r\n\r\nFrom: body@z.test\r\n';
    for (const ch of msg) s.feed(Buffer.from(ch));
    const r = s.result();
    assert.deepEqual(r, { messageId: '<id@x>', subject: 'one two', from: ['a@x.test', 'c@y.test'], received: [], complete: true });
  });
  it('treats a message opening with a blank line as headerless', () => {
    const s = new HeaderScanner();
    s.feed(Buffer.from('\r\nFrom: a@b.c\r\n'));
    assert.deepEqual(s.result().from, []);
  });
});
