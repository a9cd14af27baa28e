import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { looksLikeSrs, srsAgeDays, srsForward, srsReverse, srsTimestamp, type SrsOptions } from './srs.js';

const key = Buffer.alloc(32, 7);
const oldKey = Buffer.alloc(32, 9);
const us: SrsOptions = { keys: { sign: key, verify: [key, oldKey] }, domain: 'fwd.example.net' };
const other: SrsOptions = { keys: { sign: Buffer.alloc(32, 1), verify: [Buffer.alloc(32, 1)] }, domain: 'first.example.org' };
const NOW = Date.UTC(2026, 11, 7, 12);
const DAY = 86_400_000;

describe('SRS', () => {
  it('rewrites a sender into our domain and back (SRS0)', () => {
    const srs = srsForward('alice@origin.test', us, NOW);
    assert.match(srs, /^SRS0=[A-Za-z0-9+/]{4}=[A-Z2-7]{2}=origin\.test=alice@fwd\.example\.net$/);
    assert.deepEqual(srsReverse(srs, us, NOW), { ok: true, address: 'alice@origin.test' });
    // MTAs that lowercase local parts still get through
    assert.deepEqual(srsReverse(srs.toLowerCase(), us, NOW + DAY), { ok: true, address: 'alice@origin.test' });
  });

  it('keeps local parts with = and + intact', () => {
    const srs = srsForward('a=b+c@origin.test', us, NOW);
    assert.deepEqual(srsReverse(srs, us, NOW), { ok: true, address: 'a=b+c@origin.test' });
  });

  it('leaves the null sender and our own SRS domain alone', () => {
    assert.equal(srsForward('', us, NOW), '');
    assert.equal(srsForward('x@fwd.example.net', us, NOW), 'x@fwd.example.net');
  });

  it('turns another forwarder’s SRS0 into SRS1 and reverses to that forwarder, which reverses to the origin', () => {
    const first = srsForward('bob@origin.test', other, NOW);
    const second = srsForward(first, us, NOW);
    assert.match(second, /^SRS1=[^=]{4}=first\.example\.org==[^=]{4}=[A-Z2-7]{2}=origin\.test=bob@fwd\.example\.net$/);
    const back = srsReverse(second, us, NOW);
    assert.deepEqual(back, { ok: true, address: first });
    assert.deepEqual(srsReverse(first, other, NOW), { ok: true, address: 'bob@origin.test' });
    // a third hop keeps the first forwarder, so the address does not grow per hop
    const third = srsForward(second, { ...us, domain: 'third.example.com' }, NOW);
    assert.match(third, /^SRS1=[^=]{4}=first\.example\.org==/);
    assert.equal(third.length, second.length - 'fwd.example.net'.length + 'third.example.com'.length);
  });

  it('accepts addresses made with a previous key (rotation), refuses a key it never had', () => {
    const old = srsForward('carol@origin.test', { ...us, keys: { sign: oldKey, verify: [oldKey] } }, NOW);
    assert.equal(srsReverse(old, us, NOW).ok, true);
    const foreign = srsForward('carol@origin.test', { ...us, keys: { sign: Buffer.alloc(32, 3), verify: [] } }, NOW);
    assert.deepEqual(srsReverse(foreign, us, NOW), { ok: false, reason: 'bad-hash' });
  });

  it('expires addresses after maxAgeDays, and refuses stamps from the future', () => {
    const srs = srsForward('dan@origin.test', us, NOW);
    assert.equal(srsReverse(srs, us, NOW + 21 * DAY).ok, true);
    assert.deepEqual(srsReverse(srs, us, NOW + 22 * DAY), { ok: false, reason: 'expired' });
    assert.deepEqual(srsReverse(srs, us, NOW - 2 * DAY), { ok: false, reason: 'expired' });
    // the 10-bit day wraps: 1024 days later the same stamp would be "today" again, as in every SRS
    assert.equal(srsAgeDays(srsTimestamp(NOW), NOW + 1024 * DAY), 0);
  });

  it('refuses tampering: another destination under the same hash, another stamp', () => {
    const srs = srsForward('erin@origin.test', us, NOW);
    assert.deepEqual(srsReverse(srs.replace('=erin@', '=mallory@'), us, NOW), { ok: false, reason: 'bad-hash' });
    assert.deepEqual(srsReverse(srs.replace('origin.test', 'evil.test'), us, NOW), { ok: false, reason: 'bad-hash' });
    const [, hh, tt] = /^SRS0=([^=]+)=([^=]+)=/.exec(srs)!;
    const otherStamp = srsTimestamp(NOW - DAY);
    assert.notEqual(tt, otherStamp);
    assert.deepEqual(srsReverse(srs.replace(`=${hh}=${tt}=`, `=${hh}=${otherStamp}=`), us, NOW), { ok: false, reason: 'bad-hash' });
  });

  it('survives hostile and malformed input', () => {
    const hostile = [
      '',
      '@',
      'SRS0@fwd.example.net',
      'SRS0=@fwd.example.net',
      'SRS0====@fwd.example.net',
      'SRS0=abcd=AA=nodot=x@fwd.example.net',
      'SRS0=abc=AA=origin.test=x@fwd.example.net',
      'SRS0=abcd=A=origin.test=x@fwd.example.net',
      'SRS0=abcd=!!=origin.test=x@fwd.example.net',
      'SRS0=abcd=AA=origin.test=@fwd.example.net',
      'SRS1=abcd@fwd.example.net',
      'SRS1=abcd=host==@fwd.example.net',
      'SRS1=abcd=nodot==x@fwd.example.net',
      `SRS0=abcd=AA=origin.test=${'x'.repeat(100_000)}@fwd.example.net`,
      `SRS0=${'='.repeat(10_000)}@fwd.example.net`,
      'SRS0=abcd=AA=origin.test=x@fwd.example.net\r\nRCPT TO:<y@z>',
      'SRS0=abcd=AA=origin.test=x@other.example',
      'alice@fwd.example.net',
    ];
    for (const a of hostile) {
      const r = srsReverse(a, us, NOW);
      assert.equal(r.ok, false, a.slice(0, 80));
    }
    assert.deepEqual(srsReverse('SRS0=abcd=AA=origin.test=x@other.example', us, NOW), { ok: false, reason: 'not-srs' });
    assert.deepEqual(srsReverse('alice@fwd.example.net', us, NOW), { ok: false, reason: 'not-srs' });
    assert.equal(srsForward('not an address', us, NOW), 'not an address');
    assert.equal(looksLikeSrs('srs0+x@y'), true);
    assert.equal(looksLikeSrs('srsx@y'), false);
  });
});
