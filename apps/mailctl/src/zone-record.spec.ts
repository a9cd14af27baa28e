import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { zoneLine } from './zone-record.js';

describe('zoneLine', () => {
  it('writes MX and CNAME records as they are', () => {
    assert.equal(zoneLine({ name: 'example.org', type: 'MX', value: '10 mx.example.net.' }), 'example.org. 3600 IN MX 10 mx.example.net.');
  });

  it('quotes a short TXT value in one string', () => {
    assert.equal(zoneLine({ name: '_dmarc.example.org', type: 'TXT', value: 'v=DMARC1; p=none' }), '_dmarc.example.org. 3600 IN TXT "v=DMARC1; p=none"');
  });

  it('splits a long TXT value into 255-character strings that join back to the value', () => {
    const value = `v=DKIM1; k=rsa; p=${'A'.repeat(392)}`;
    const line = zoneLine({ name: 's._domainkey.example.org', type: 'TXT', value });
    const parts = [...line.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
    assert.equal(parts.length, 2);
    assert.equal(parts[0].length, 255);
    assert.equal(parts.join(''), value);
    assert.match(line, /IN TXT \( ".*" \)$/);
  });

  it('escapes quotes and backslashes and drops control characters', () => {
    assert.equal(zoneLine({ name: 'x.test', type: 'TXT', value: 'a"b\\c\r\nd' }), 'x.test. 3600 IN TXT "a\\"b\\\\c  d"');
  });
});
