import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { headerFromDomain } from './header-from-domain.js';

describe('headerFromDomain', () => {
  it('takes the domain of the one From address, lowercased', () => {
    assert.equal(headerFromDomain('Subject: hi\r\nFrom: Alice <alice@Example.COM>\r\nTo: b@x.test\r\n'), 'example.com');
    assert.equal(headerFromDomain('From: bob@example.org\n'), 'example.org');
  });

  it('unfolds a folded From and reads a quoted display name with an @ in it', () => {
    assert.equal(headerFromDomain('From: "a@evil.test"\r\n <alice@example.com>\r\n'), 'example.com');
  });

  it('refuses to guess: no From, two From fields, several addresses, no domain', () => {
    assert.equal(headerFromDomain('Subject: none\r\n'), null);
    assert.equal(headerFromDomain('From: a@one.test\r\nFrom: b@two.test\r\n'), null);
    assert.equal(headerFromDomain('From: a@one.test, b@two.test\r\n'), null);
    assert.equal(headerFromDomain('From: undisclosed\r\n'), null);
    assert.equal(headerFromDomain('From: trailing@\r\n'), null);
    assert.equal(headerFromDomain(''), null);
  });

  it('does not take a header whose name only starts with From', () => {
    assert.equal(headerFromDomain('From-Address: a@x.test\r\nX-From: b@y.test\r\n'), null);
  });
});
