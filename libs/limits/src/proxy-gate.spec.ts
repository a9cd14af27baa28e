import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { encodeProxyV2 } from '@mail/proxy-protocol';
import { NetworkList } from './client-key.js';
import { looksLikeProxyHeader, ProxyGate, type ClientPeer } from './proxy-gate.js';

const quiet = { info: () => undefined, warn: () => undefined };

/** A server whose sockets go through the gate and then echo the peer and the first bytes after the header. */
async function gated(trusted: string, watchUntrusted = false): Promise<{ port: number; server: Server }> {
  const gate = new ProxyGate({ protocol: 'imap', listener: 'imap', trusted: new NetworkList(trusted), headerTimeoutMs: 300, logger: quiet, watchUntrusted });
  const server = createServer((socket: Socket) =>
    gate.accept(socket, (peer: ClientPeer) => {
      socket.write(`peer ${peer.address} ${peer.port} via ${peer.via ?? '-'}\n`);
      socket.on('data', (d) => socket.write(`got ${d.toString('latin1')}`));
    }),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, server };
}

/** Sends `chunks` (a pause between them) and returns all it heard until the server closed or went quiet. */
async function talk(port: number, chunks: Buffer[], waitMs = 600): Promise<{ heard: string; closed: boolean }> {
  const c = connect({ port, host: '127.0.0.1' });
  await once(c, 'connect');
  let heard = '';
  let closed = false;
  c.on('data', (d) => (heard += d.toString('latin1')));
  c.on('error', () => undefined);
  const gone = once(c, 'close').then(() => (closed = true));
  for (const chunk of chunks) {
    c.write(chunk);
    await new Promise((r) => setTimeout(r, 20));
  }
  await Promise.race([gone, new Promise((r) => setTimeout(r, waitMs))]);
  c.destroy();
  return { heard, closed };
}

describe('ProxyGate', () => {
  let trustedServer: { port: number; server: Server };
  let untrustedServer: { port: number; server: Server };
  before(async () => {
    trustedServer = await gated('127.0.0.1');
    untrustedServer = await gated('10.0.0.0/8', true);
  });
  after(() => {
    trustedServer.server.close();
    untrustedServer.server.close();
  });

  it('a v1 header split over several packets names the client, and the bytes after it reach the server', async () => {
    const header = Buffer.from('PROXY TCP4 192.0.2.1 127.0.0.1 5555 143\r\na1 NOOP\r\n', 'latin1');
    const r = await talk(trustedServer.port, [header.subarray(0, 3), header.subarray(3, 20), header.subarray(20)]);
    assert.match(r.heard, /^peer 192\.0\.2\.1 5555 via 127\.0\.0\.1\n/);
    assert.match(r.heard, /got a1 NOOP\r\n/);
  });

  it('a v2 header with TLVs and the client data in the same packet', async () => {
    const header = encodeProxyV2({ source: { address: '2001:db8::1', port: 1 }, destination: { address: '::1', port: 2 }, tlvs: [{ type: 0x04, value: Buffer.from('x') }] });
    const r = await talk(trustedServer.port, [Buffer.concat([header, Buffer.from('hello\r\n')])]);
    assert.match(r.heard, /^peer 2001:db8::1 1 via 127\.0\.0\.1\n/);
    assert.match(r.heard, /got hello/);
  });

  it('LOCAL is the balancer itself', async () => {
    const r = await talk(trustedServer.port, [encodeProxyV2({ command: 'LOCAL' })]);
    assert.match(r.heard, /^peer 127\.0\.0\.1 \d+ via -/);
  });

  it('from a trusted peer: garbage, an over-long line or silence close the connection unheard', async () => {
    for (const chunks of [[Buffer.from('HELLO\r\n')], [Buffer.from(`PROXY TCP4 ${'1'.repeat(200)}`)], []]) {
      const r = await talk(trustedServer.port, chunks);
      assert.deepEqual(r, { heard: '', closed: true }, JSON.stringify(chunks.map(String)));
    }
  });

  it('from an untrusted peer: served as itself; a header as its first bytes closes the connection', async () => {
    const plain = await talk(untrustedServer.port, [Buffer.from('a1 NOOP\r\n')]);
    assert.match(plain.heard, /^peer 127\.0\.0\.1 \d+ via -\ngot a1 NOOP/);
    const spoof = await talk(untrustedServer.port, [Buffer.from('PROXY TCP4 192.0.2.1 127.0.0.1 1 2\r\n')]);
    assert.equal(spoof.closed, true);
    assert.doesNotMatch(spoof.heard, /192\.0\.2\.1/);
  });

  it('looksLikeProxyHeader knows both signatures and their prefixes, nothing else', () => {
    assert.ok(looksLikeProxyHeader(Buffer.from('PROXY TCP4')));
    assert.ok(looksLikeProxyHeader(Buffer.from('PRO')));
    assert.ok(looksLikeProxyHeader(encodeProxyV2({ command: 'LOCAL' }).subarray(0, 5)));
    assert.ok(!looksLikeProxyHeader(Buffer.from('a1 LOGIN')));
    assert.ok(!looksLikeProxyHeader(Buffer.alloc(0)));
  });
});
