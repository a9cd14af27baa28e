import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildDsn } from './dsn.js';
import { parseRelayHost } from './mx-route.js';
import { enhancedStatus, isExpired, retryDelayMs } from './retry-policy.js';

describe('retry policy', () => {
  it('follows the schedule and repeats its last step', () => {
    assert.deepEqual([1, 2, 3, 4].map((n) => retryDelayMs(n, [10, 20, 30])), [10, 20, 30, 30]);
  });
  it('expires after expiryHours', () => {
    const now = new Date('2026-01-02T00:00:00Z');
    assert.equal(isExpired(new Date('2026-01-01T00:00:01Z'), 24, now), false);
    assert.equal(isExpired(new Date('2026-01-01T00:00:00Z'), 24, now), true);
  });
  it('finds enhanced status codes', () => {
    assert.equal(enhancedStatus('550 5.1.1 no such user', true), '5.1.1');
    assert.equal(enhancedStatus('550 no such user', true), '5.0.0');
  });
});

describe('routing', () => {
  it('parses relay hosts', () => {
    assert.deepEqual(parseRelayHost('smtp.example.net', 25), { host: 'smtp.example.net', port: 25 });
    assert.deepEqual(parseRelayHost('127.0.0.1:2525', 25), { host: '127.0.0.1', port: 2525 });
    assert.deepEqual(parseRelayHost('[::1]:587', 25), { host: '::1', port: 587 });
  });
});

describe('DSN', () => {
  it('is a multipart/report with the original headers only', () => {
    const dsn = buildDsn({
      hostname: 'mx.test',
      queueId: 'q1',
      sender: 'a@b.test',
      arrivalDate: new Date(0),
      recipients: [{ address: 'x@y.test', diagnostic: '550 5.1.1 unknown\r\nInjected: yes', remote: true }],
      originalHeaders: Buffer.from('Subject: hi\nFrom: a@b.test\n'),
    }).toString();
    assert.match(dsn, /^From: Mail Delivery System <MAILER-DAEMON@mx\.test>\r\n/);
    assert.match(dsn, /Diagnostic-Code: smtp; 550 5\.1\.1 unknown Injected: yes\r\n/);
    assert.match(dsn, /text\/rfc822-headers\r\n\r\nSubject: hi\r\nFrom: a@b\.test\r\n/);
    assert.doesNotMatch(dsn, /\r\nInjected:/);
  });
});
