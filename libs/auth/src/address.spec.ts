import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { localPartProblem, parseAddress, separatorsProblem, splitSubaddress, stripSubaddress } from './address.js';

describe('address rules', () => {
  it('lowercases and splits at the last @', () => {
    assert.deepEqual(parseAddress(' Alice@Example.ORG. '), { address: 'alice@example.org', localPart: 'alice', domain: 'example.org' });
    assert.equal(parseAddress('"a@b"@example.org')?.domain, 'example.org');
    for (const bad of ['', 'alice', '@example.org', 'alice@']) assert.equal(parseAddress(bad), null, bad);
  });

  it('strips a +tag, and only a real one', () => {
    assert.equal(stripSubaddress(parseAddress('bob+lists@x.test')!)?.address, 'bob@x.test');
    assert.equal(stripSubaddress(parseAddress('bob+a+b@x.test')!)?.address, 'bob@x.test');
    assert.equal(stripSubaddress(parseAddress('bob@x.test')!), null);
    assert.equal(stripSubaddress(parseAddress('+bob@x.test')!), null);
  });

  it('splits at the first of several separators, keeps the tag, and does nothing when off', () => {
    const p = parseAddress('ann-news+x@x.test')!;
    assert.deepEqual(splitSubaddress(p, '+-'), { base: { address: 'ann@x.test', localPart: 'ann', domain: 'x.test' }, tag: 'news+x' });
    assert.deepEqual(splitSubaddress(p, '+')?.tag, 'x');
    assert.equal(splitSubaddress(p, ''), null);
    assert.deepEqual(splitSubaddress(parseAddress('ann+@x.test')!)?.tag, '');
    assert.equal(splitSubaddress(parseAddress('-ann@x.test')!, '-'), null);
  });

  it('accepts only sensible separators', () => {
    for (const ok of ['', '+', '+-', '_=~#']) assert.equal(separatorsProblem(ok), null, ok);
    for (const bad of ['a', '.', '@', ' ', '+++', '+-_=~', '\u0000']) assert.ok(separatorsProblem(bad), bad);
  });

  it('refuses local parts that would be trouble', () => {
    assert.equal(localPartProblem('first.last'), null);
    assert.equal(localPartProblem("o'brien"), null);
    // RFC 6531: UTF-8 local parts, but no invisible or control characters
    assert.equal(localPartProblem('dörte'), null);
    assert.equal(localPartProblem('δοκιμή'), null);
    assert.match(localPartProblem('a\u200bb')!, /not allowed/);
    assert.match(localPartProblem('a\u0085b')!, /not allowed/);
    assert.match(localPartProblem('a+b')!, /subaddress/);
    assert.match(localPartProblem('a..b')!, /not allowed/);
    assert.match(localPartProblem('.a')!, /not allowed/);
    assert.match(localPartProblem('a b')!, /not allowed/);
    assert.match(localPartProblem('x'.repeat(65))!, /64/);
  });
});
