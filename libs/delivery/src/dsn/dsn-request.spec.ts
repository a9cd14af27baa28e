import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildDsn, countReceived } from '../dsn.js';
import { originalRecipient, wantsDsn, type DsnEnvelope } from './dsn-request.js';

describe('wantsDsn (RFC 3461 NOTIFY)', () => {
  const env = (notify?: DsnEnvelope['recipients'] extends Record<string, infer R> | undefined ? R extends { notify?: infer N } ? N : never : never): DsnEnvelope => ({ recipients: { 'r@x.test': { notify } } });
  it('defaults to failures and delays, not successes', () => {
    for (const e of [null, {}, env(undefined)]) {
      assert.equal(wantsDsn('failure', 'a@b.test', e, 'r@x.test'), true);
      assert.equal(wantsDsn('delay', 'a@b.test', e, 'r@x.test'), true);
      assert.equal(wantsDsn('success', 'a@b.test', e, 'r@x.test'), false);
    }
  });
  it('follows an explicit list, and NEVER silences everything', () => {
    assert.deepEqual((['failure', 'delay', 'success'] as const).map((k) => wantsDsn(k, 'a@b.test', env(['SUCCESS']), 'r@x.test')), [false, false, true]);
    assert.deepEqual((['failure', 'delay', 'success'] as const).map((k) => wantsDsn(k, 'a@b.test', env(['FAILURE', 'DELAY']), 'r@x.test')), [true, true, false]);
    assert.deepEqual((['failure', 'delay', 'success'] as const).map((k) => wantsDsn(k, 'a@b.test', env(['NEVER']), 'r@x.test')), [false, false, false]);
  });
  it('never reports to the null sender', () => {
    assert.equal(wantsDsn('failure', '', null, 'r@x.test'), false);
  });
  it('formats ORCPT for Original-Recipient', () => {
    assert.equal(originalRecipient({ recipients: { 'r@x.test': { orcpt: 'rfc822;Orig@x.test' } } }, 'r@x.test'), 'rfc822; Orig@x.test');
    assert.equal(originalRecipient(null, 'r@x.test'), undefined);
  });
});

describe('buildDsn', () => {
  const base = { hostname: 'mx.test', queueId: 'q1', sender: 'a@b.test', arrivalDate: new Date(0), originalHeaders: Buffer.from('Subject: hi\r\nFrom: a@b.test\r\n'), now: new Date(0) };
  it('carries ENVID, ORCPT and the action, and returns the whole message with RET=FULL', () => {
    const dsn = buildDsn({
      ...base,
      envid: 'env-42',
      recipients: [{ address: 'r@x.test', action: 'failed', diagnostic: '4.4.7 delivery time expired, last error: 451 4.2.0 busy', remote: false, originalRecipient: 'rfc822; orig@x.test' }],
      originalMessage: Buffer.from('Subject: hi\r\nFrom: a@b.test\r\n\r\nthe body\r\n'),
    }).toString();
    assert.match(dsn, /\r\nOriginal-Envelope-Id: env-42\r\nReporting-MTA: dns; mx\.test\r\n/);
    assert.match(dsn, /\r\nOriginal-Recipient: rfc822; orig@x\.test\r\nFinal-Recipient: rfc822; r@x\.test\r\nAction: failed\r\nStatus: 5\.4\.7\r\n/, 'an expired temporary failure is reported as a permanent one');
    assert.match(dsn, /Content-Type: message\/rfc822\r\n\r\nSubject: hi\r\nFrom: a@b\.test\r\n\r\nthe body\r\n/);
  });
  it('reports delays and successes with their own subject and status class', () => {
    const delayed = buildDsn({ ...base, recipients: [{ address: 'r@x.test', action: 'delayed', diagnostic: '451 4.2.0 busy', remote: true }], willRetryUntil: new Date(86_400_000) }).toString();
    assert.match(delayed, /^Subject: Delayed Mail/m);
    assert.match(delayed, /Action: delayed\r\nStatus: 4\.2\.0\r\nDiagnostic-Code: smtp; 451 4\.2\.0 busy\r\nWill-Retry-Until: Fri, 2 Jan 1970 00:00:00 \+0000\r\n/);
    const ok = buildDsn({ ...base, recipients: [{ address: 'r@x.test', action: 'relayed', diagnostic: '250 ok', remote: true }] }).toString();
    assert.match(ok, /^Subject: Successful Mail Delivery Report/m);
    assert.match(ok, /Action: relayed\r\nStatus: 2\.0\.0\r\n/);
    assert.match(ok, /text\/rfc822-headers/);
  });
});

describe('countReceived', () => {
  it('counts Received fields at the start of a line, in any case', () => {
    assert.equal(countReceived('Received: a\r\nX-Received: b\r\nreceived : c\r\n  Received: folded\r\nSubject: Received: no\r\n'), 2);
  });
});
