import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MISSING_DOMAIN, parseAddressList } from './address-list.js';

const a = (name: string | null, mailbox: string | null, host: string | null, adl: string | null = null) => ({ name, adl, mailbox, host });

describe('parseAddressList', () => {
  it('parses display names, quoted names and bare addresses', () => {
    assert.deepEqual(parseAddressList('John Q. Public <john.q@example.com>, "Doe, Jane" <jane@x.org>, plain@y.net'), [
      a('John Q. Public', 'john.q', 'example.com'),
      a('Doe, Jane', 'jane', 'x.org'),
      a(null, 'plain', 'y.net'),
    ]);
  });

  it('keeps encoded words raw and unescapes quoted pairs', () => {
    assert.deepEqual(parseAddressList('=?utf-8?q?J=C3=B6rg?= <j@x>, "a \\"b\\" c" <c@d>'), [
      a('=?utf-8?q?J=C3=B6rg?=', 'j', 'x'),
      a('a "b" c', 'c', 'd'),
    ]);
  });

  it('marks group start and end', () => {
    assert.deepEqual(parseAddressList('undisclosed-recipients:;'), [a(null, 'undisclosed-recipients', null), a(null, null, null)]);
    assert.deepEqual(parseAddressList('Friends: a@b, C <c@d>; e@f'), [
      a(null, 'Friends', null),
      a(null, 'a', 'b'),
      a('C', 'c', 'd'),
      a(null, null, null),
      a(null, 'e', 'f'),
    ]);
  });

  it('uses a trailing comment as the name', () => {
    assert.deepEqual(parseAddressList('jdoe@example.com (John Doe)'), [a('John Doe', 'jdoe', 'example.com')]);
  });

  it('keeps source routes and domain literals', () => {
    assert.deepEqual(parseAddressList('<@relay1,@relay2:user@[192.0.2.1]>'), [a(null, 'user', '[192.0.2.1]', '@relay1,@relay2')]);
  });

  it('keeps quoted local parts quoted', () => {
    assert.deepEqual(parseAddressList('"john doe"@example.com'), [a(null, '"john doe"', 'example.com')]);
  });

  it('survives malformed input', () => {
    assert.deepEqual(parseAddressList('just a name'), [a(null, 'just a name', MISSING_DOMAIN)]);
    assert.deepEqual(parseAddressList('<>'), null);
    assert.deepEqual(parseAddressList(''), null);
    assert.equal(parseAddressList(null), null);
    assert.deepEqual(parseAddressList('Name <broken@'), [a('Name', 'broken', MISSING_DOMAIN)]);
    assert.deepEqual(parseAddressList('a@b c@d'), [a(null, 'a', 'b'), a(null, 'c', 'd')]);
    assert.deepEqual(parseAddressList('"unterminated <x@y>'), [a(null, 'unterminated <x@y>', MISSING_DOMAIN)]);
    assert.deepEqual(parseAddressList('Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>'), [a('Pete', 'pete', 'silly.test')]);
    for (const junk of ['<<<>>>', ',,,;;;', ':::', '@@@', '(((', '"', 'a:b:c;d;', '\u0000\u00ff']) {
      assert.doesNotThrow(() => parseAddressList(junk), junk);
    }
  });
});
