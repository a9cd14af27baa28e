import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAddressList } from './address-list.js';
import { addressSearchText } from './address-search-text.js';

const text = (header: string) => addressSearchText(parseAddressList(header));

describe('addressSearchText', () => {
  it('renders each address as the envelope holds it', () => {
    assert.equal(text('<user-from (comment)@ (comment) domain.org>'), '<user-from@domain.org>');
    assert.equal(text('user@domain.org (Real Name)'), 'Real Name <user@domain.org>');
    assert.equal(text('"Kent, Zoe" <zoe@x.example>, b@y.example'), 'Kent, Zoe <zoe@x.example> <b@y.example>');
  });

  it('keeps group names and decodes display names', () => {
    assert.equal(text('crew: a@d.example, b@d.example;, c@e.example'), 'crew: <a@d.example> <b@d.example> ; <c@e.example>');
    assert.equal(text('nobody:;'), 'nobody: ;');
    assert.equal(text('=?utf-8?q?J=C3=B6rg?= <j@x.org>'), 'Jörg <j@x.org>');
  });

  it('is empty for no addresses', () => {
    assert.equal(addressSearchText(null), '');
    assert.equal(addressSearchText([]), '');
  });
});
