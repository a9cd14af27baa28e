import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, it } from 'node:test';
import { evaluatedIp } from './trust-ip.js';

const message = 'Received: from edge (edge [192.0.2.20])\r\n\tby out with ESMTP; Mon, 7 Dec 2026 01:00:00 +0000\r\nReceived: from mta ([198.51.100.7]) by edge; Mon, 7 Dec 2026 01:00:00 +0000\r\nSubject: x\r\n\r\nbody\r\n';

describe('evaluatedIp', () => {
  it('reads the Received chain from the header block, and the stream still gives every byte', async () => {
    // one byte per chunk: the blank line straddles chunks
    const source = Readable.from([...Buffer.from(message)].map((b) => Buffer.from([b])));
    const seen: string[][] = [];
    const r = await evaluatedIp(
      { verify: true, ip: '192.0.2.10', source: 'connector', ipFromReceived: (received) => (seen.push(received), received.length === 2 ? '198.51.100.7' : 'none') },
      source,
    );
    assert.equal(r.ip, '198.51.100.7');
    assert.equal(seen[0][1], 'from mta ([198.51.100.7]) by edge; Mon, 7 Dec 2026 01:00:00 +0000');
    assert.equal(await text(r.message), message);
  });

  it('without a filter connector, the trust IP and the same stream', async () => {
    const source = Readable.from([Buffer.from(message)]);
    const r = await evaluatedIp({ verify: true, ip: '203.0.113.1', source: 'internet' }, source);
    assert.equal(r.ip, '203.0.113.1');
    assert.equal(r.message, source);
  });

  it('a message without a header end is read whole', async () => {
    const r = await evaluatedIp({ verify: true, ip: '203.0.113.1', source: 'connector', ipFromReceived: () => '' }, Readable.from([Buffer.from('Subject: only')]));
    assert.equal(r.ip, '203.0.113.1');
    assert.equal(await text(r.message), 'Subject: only');
  });
});
