import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { describe, it } from 'node:test';
import { cleartextProblem, defaultRemotePort, isLoopbackHost } from './remote-endpoint.js';

describe('remote endpoints', () => {
  it('knows loopback hosts', () => {
    for (const h of ['127.0.0.1', '127.3.4.5', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', 'localhost', 'LOCALHOST', 'a.localhost']) assert.ok(isLoopbackHost(h), h);
    for (const h of ['128.0.0.1', '10.0.0.1', '127.0.0.256', '127.0.0', '127.0.0.1.example.com', '::ffff:10.0.0.1', 'localhost.example.com', 'example.com', '::2', '0.0.0.0']) {
      assert.ok(!isLoopbackHost(h), h);
    }
  });

  it('reads IPv4 literals as node:net does', () => {
    for (const h of ['127.0.0.1', '127.00.0.1', '127.0.0.01', '127.255.255.255', '127.1', '0127.0.0.1']) {
      assert.equal(isLoopbackHost(h), isIP(h) === 4, h);
    }
  });

  it('refuses cleartext to a host that is not loopback unless insecure', () => {
    assert.match(cleartextProblem({ host: 'imap.example.com', tls: 'none' }) ?? '', /imap\.example\.com sends passwords in the clear/);
    assert.match(cleartextProblem({ host: 'imap.example.com', tls: 'none', insecure: false }) ?? '', /--insecure/);
    assert.equal(cleartextProblem({ host: 'imap.example.com', tls: 'none', insecure: true }), null);
    assert.equal(cleartextProblem({ host: '127.0.0.1', tls: 'none' }), null);
    assert.equal(cleartextProblem({ host: 'imap.example.com', tls: 'starttls' }), null);
    assert.equal(cleartextProblem({ host: 'imap.example.com', tls: 'implicit' }), null);
  });

  it('defaults ports by protocol and TLS', () => {
    assert.deepEqual(
      [defaultRemotePort('imap', 'implicit'), defaultRemotePort('imap', 'starttls'), defaultRemotePort('imap', 'none'), defaultRemotePort('pop3', 'implicit'), defaultRemotePort('pop3', 'none')],
      [993, 143, 143, 995, 110],
    );
  });
});
