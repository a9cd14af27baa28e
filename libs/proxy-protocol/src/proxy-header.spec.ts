import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { encodeProxyV2, parseProxyHeader, V2_SIGNATURE } from './proxy-header.js';

const ok = (input: string | Buffer) => {
  const r = parseProxyHeader(Buffer.isBuffer(input) ? input : Buffer.from(input, 'latin1'));
  assert.equal(r.status, 'ok', JSON.stringify(r));
  return r as Extract<typeof r, { status: 'ok' }>;
};
const reason = (input: string | Buffer) => {
  const r = parseProxyHeader(Buffer.isBuffer(input) ? input : Buffer.from(input, 'latin1'));
  assert.equal(r.status, 'invalid', `${JSON.stringify(String(input))} was accepted: ${JSON.stringify(r)}`);
  return (r as { reason: string }).reason;
};

describe('PROXY protocol v1', () => {
  it('reads TCP4, TCP6 and UNKNOWN and leaves what follows the header', () => {
    const r = ok('PROXY TCP4 203.0.113.7 192.0.2.1 56324 25\r\nEHLO x\r\n');
    assert.deepEqual(r.header.source, { address: '203.0.113.7', port: 56324 });
    assert.deepEqual(r.header.destination, { address: '192.0.2.1', port: 25 });
    assert.equal(r.consumed, 'PROXY TCP4 203.0.113.7 192.0.2.1 56324 25\r\n'.length);
    assert.deepEqual(ok('PROXY TCP6 2001:db8::1 2001:db8::2 1 993\r\n').header.source, { address: '2001:db8::1', port: 1 });
    assert.equal(ok('PROXY UNKNOWN\r\n').header.family, 'UNKNOWN');
    assert.equal(ok('PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n').header.source, undefined);
  });

  it('waits for more bytes, then refuses an endless or malformed line', () => {
    for (const partial of ['', 'P', 'PROXY', 'PROXY TCP4 1.2.3.4', 'PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r']) assert.equal(parseProxyHeader(Buffer.from(partial)).status, 'incomplete', partial);
    assert.match(reason(`PROXY TCP4 ${'1'.repeat(120)}`), /longer than 107/);
    assert.match(reason('PROXY TCP4 256.1.1.1 1.2.3.4 1 2\r\n'), /not IPv4/);
    assert.match(reason('PROXY TCP4 01.2.3.4 1.2.3.4 1 2\r\n'), /not IPv4/);
    assert.match(reason('PROXY TCP4 2001:db8::1 1.2.3.4 1 2\r\n'), /not IPv4/);
    assert.match(reason('PROXY TCP6 1.2.3.4 2001:db8::1 1 2\r\n'), /not IPv6/);
    assert.match(reason('PROXY TCP6 fe80::1%eth0 2001:db8::1 1 2\r\n'), /zone|not IPv6/);
    assert.match(reason('PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n'), /port/);
    assert.match(reason('PROXY TCP4 1.2.3.4 5.6.7.8 025 2\r\n'), /port/);
    assert.match(reason('PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n'), /port/);
    assert.match(reason('PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n'), /needs PROXY/);
    assert.match(reason('PROXY TCP4 1.2.3.4 5.6.7.8 1 2 extra\r\n'), /needs PROXY/);
    assert.match(reason('PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n'), /family/);
    assert.match(reason('PROXY TCP4 1.2.3.4\x005.6.7.8 1 2\r\n'), /non-printable/);
    assert.match(reason('proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n'), /no PROXY protocol header/);
    assert.match(reason('EHLO client.example\r\n'), /no PROXY protocol header/);
    assert.match(reason('GET / HTTP/1.1\r\n'), /no PROXY protocol header/);
  });
});

describe('PROXY protocol v2', () => {
  it('round-trips IPv4 and IPv6 addresses with TLVs, and leaves what follows', () => {
    const tlvs = [{ type: 0x20, value: Buffer.from([1, 0, 0, 0, 0]) }, { type: 0x04, value: Buffer.alloc(0) }];
    const v4 = encodeProxyV2({ source: { address: '198.51.100.9', port: 40000 }, destination: { address: '10.0.0.5', port: 143 }, tlvs });
    const r = ok(Buffer.concat([v4, Buffer.from('a1 CAPABILITY\r\n')]));
    assert.equal(r.consumed, v4.length);
    assert.deepEqual(r.header, { version: 2, command: 'PROXY', family: 'TCP4', source: { address: '198.51.100.9', port: 40000 }, destination: { address: '10.0.0.5', port: 143 }, tlvs });
    for (const [src, dst] of [['2001:db8::7', '2001:db8:0:1::1'], ['::1', '::'], ['2001:db8:1:2:3:4:5:6', 'fe80::1:0:0:2']]) {
      const h = ok(encodeProxyV2({ source: { address: src, port: 1 }, destination: { address: dst, port: 2 } })).header;
      assert.equal(h.family, 'TCP6');
      assert.equal(h.source?.address, src);
      assert.equal(h.destination?.address, dst);
    }
  });

  it('LOCAL and UNSPEC carry no client address', () => {
    const h = ok(encodeProxyV2({ command: 'LOCAL' })).header;
    assert.equal(h.command, 'LOCAL');
    assert.equal(h.source, undefined);
  });

  it('waits for the whole header, then refuses bad versions, commands, families and TLVs', () => {
    const good = encodeProxyV2({ source: { address: '1.2.3.4', port: 1 }, destination: { address: '5.6.7.8', port: 2 }, tlvs: [{ type: 1, value: Buffer.from('h2') }] });
    for (let n = 0; n < good.length; n++) assert.equal(parseProxyHeader(good.subarray(0, n)).status, 'incomplete', `${n} bytes`);
    const patched = (at: number, byte: number) => { const b = Buffer.from(good); b[at] = byte; return b; };
    assert.match(reason(patched(12, 0x11)), /version 1 is not 2/);
    assert.match(reason(patched(12, 0x22)), /command 2/);
    assert.match(reason(patched(13, 0x41)), /family/);
    assert.match(reason(patched(13, 0x13)), /family/);
    const short = Buffer.from(good); short.writeUInt16BE(8, 14);
    assert.match(reason(short), /shorter than the 12-byte address block/);
    const badTlv = Buffer.from(good); badTlv.writeUInt16BE(200, 16 + 12 + 1);
    assert.match(reason(badTlv), /TLV 0x1 longer than the header/);
    const cutTlv = Buffer.concat([V2_SIGNATURE, Buffer.from([0x21, 0x11, 0x00, 14]), Buffer.alloc(12), Buffer.from([1, 0])]);
    assert.match(reason(cutTlv), /TLV header truncated/);
  });

  it('never throws, and never consumes more than it was given, on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }).map((b) => Uint8Array.from([...V2_SIGNATURE, ...b])), fc.string({ maxLength: 120 }).map((s) => Buffer.from(`PROXY ${s}`, 'latin1'))), (bytes) => {
        const buf = Buffer.from(bytes);
        const r = parseProxyHeader(buf);
        if (r.status === 'ok') {
          assert.ok(r.consumed <= buf.length);
          if (r.header.source) assert.ok(r.header.source.port >= 0 && r.header.source.port <= 65535);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
