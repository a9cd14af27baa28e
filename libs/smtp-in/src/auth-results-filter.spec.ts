import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, it } from 'node:test';
import { ClaimedAuthResultsFilter, authservIdOf, withoutClaimedAuthResults } from './auth-results-filter.js';

const filterAll = async (parts: string[], id = 'mx.example.net') => {
  const filter = new ClaimedAuthResultsFilter(id);
  const out = await buffer(Readable.from(parts.map((p) => Buffer.from(p, 'latin1'))).pipe(filter));
  return { text: out.toString('latin1'), removed: filter.removed };
};

describe('authservIdOf', () => {
  it('reads a token, a quoted string, with comments and a version', () => {
    assert.equal(authservIdOf(' mx.example.net; spf=pass'), 'mx.example.net');
    assert.equal(authservIdOf(' MX.Example.NET 1; dkim=pass'), 'mx.example.net');
    assert.equal(authservIdOf(' (forged (nested)) mx.example.net;'), 'mx.example.net');
    assert.equal(authservIdOf(' "mx.example.net"; none'), 'mx.example.net');
    assert.equal(authservIdOf(' "mx.ex\\ample.net"; none'), 'mx.example.net');
    assert.equal(authservIdOf('\r\n\tmx.example.net;'), 'mx.example.net');
  });

  it('gives nothing for empty, unterminated or comment-only values', () => {
    assert.equal(authservIdOf(''), undefined);
    assert.equal(authservIdOf('   '), undefined);
    assert.equal(authservIdOf(' (no end'), undefined);
    assert.equal(authservIdOf(' "no end'), undefined);
    assert.equal(authservIdOf(' ;spf=pass'), undefined);
  });
});

describe('withoutClaimedAuthResults', () => {
  it('removes folded fields with our id in any case and keeps the others byte for byte', () => {
    const block = Buffer.from(
      'Received: x\r\nAuthentication-Results: MX.EXAMPLE.NET;\r\n\tdkim=pass header.d=bank.example\r\nauthentication-results : other.example; spf=fail\r\nSubject: hi\r\n',
    );
    const { block: out, removed } = withoutClaimedAuthResults(block, 'mx.example.net');
    assert.equal(removed, 1);
    assert.equal(out.toString(), 'Received: x\r\nauthentication-results : other.example; spf=fail\r\nSubject: hi\r\n');
  });

  it('does not mistake a similar name or a subdomain for ours', () => {
    const block = Buffer.from('Authentication-Results-X: mx.example.net; x\r\nAuthentication-Results: sub.mx.example.net; y\r\n');
    assert.equal(withoutClaimedAuthResults(block, 'mx.example.net').removed, 0);
  });
});

describe('ClaimedAuthResultsFilter', () => {
  const message = 'Authentication-Results: mx.example.net; dmarc=pass\r\nFrom: a@b.example\r\n\r\nAuthentication-Results: mx.example.net; in the body stays\r\n';

  it('strips forged headers and never touches the body', async () => {
    const { text, removed } = await filterAll([message]);
    assert.equal(removed, 1);
    assert.equal(text, 'From: a@b.example\r\n\r\nAuthentication-Results: mx.example.net; in the body stays\r\n');
  });

  it('gives the same result whatever the chunking', async () => {
    const whole = await filterAll([message]);
    for (let cut = 1; cut < message.length; cut++) {
      assert.deepEqual(await filterAll([message.slice(0, cut), message.slice(cut)]), whole, `cut at ${cut}`);
    }
    assert.deepEqual(await filterAll([...message]), whole);
  });

  it('handles bare LF, a header-only message and an empty header', async () => {
    assert.equal((await filterAll(['Authentication-Results: mx.example.net; x\nA: b\n\nbody'])).text, 'A: b\n\nbody');
    assert.equal((await filterAll(['Authentication-Results: mx.example.net; x\r\nA: b'])).text, 'A: b');
    assert.equal((await filterAll(['\r\nAuthentication-Results: mx.example.net; x\r\n'])).text, '\r\nAuthentication-Results: mx.example.net; x\r\n');
    assert.equal((await filterAll([])).text, '');
  });

  it('passes an oversized header block through unchanged instead of holding it', async () => {
    const big = 'Authentication-Results: mx.example.net; x\r\n' + 'X-Pad: ' + 'a'.repeat(300 * 1024) + '\r\n\r\nbody';
    const { text, removed } = await filterAll([big.slice(0, 100_000), big.slice(100_000, 200_000), big.slice(200_000)]);
    assert.equal(removed, 0);
    assert.equal(text, big);
  });
});
