import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ownAuthResults } from './arc-sealer.js';

describe('ownAuthResults', () => {
  const block = [
    'Received: from x by mx.example.net',
    'Authentication-Results: mx.example.net;',
    ' spf=pass smtp.mailfrom=a@origin.test;',
    '\tdkim=pass header.d=origin.test; arc=pass (i=1); dmarc=pass header.from=origin.test',
    'Authentication-Results: other.example; arc=fail',
    'Subject: hi',
    '',
  ].join('\r\n');

  it('finds ours by authserv-id, unfolded, with the cv its arc= result gives', () => {
    assert.deepEqual(ownAuthResults(block, 'MX.example.net'), {
      value: 'mx.example.net; spf=pass smtp.mailfrom=a@origin.test; dkim=pass header.d=origin.test; arc=pass (i=1); dmarc=pass header.from=origin.test',
      cv: 'pass',
    });
    assert.equal(ownAuthResults(block, 'other.example')?.cv, 'fail');
    assert.equal(ownAuthResults('Authentication-Results: "mx.example.net"; spf=none\r\n', 'mx.example.net')?.cv, 'none');
  });

  it('ignores fields of other authserv-ids and lookalikes, and hostile input', () => {
    assert.equal(ownAuthResults(block, 'example.net'), null);
    assert.equal(ownAuthResults('X-Authentication-Results: mx.example.net; arc=pass\r\n', 'mx.example.net'), null);
    assert.equal(ownAuthResults('Authentication-Results: mx.example.net.evil; arc=pass\r\n', 'mx.example.net'), null);
    assert.equal(ownAuthResults('', 'mx.example.net'), null);
    assert.equal(ownAuthResults(`Authentication-Results: mx.example.net; ${'x'.repeat(100_000)}\r\n`, 'mx.example.net')?.value.length, 4000);
  });
});
