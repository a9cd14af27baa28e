import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { endpointProblem } from './remote-endpoint.js';

describe('a batch source endpoint', () => {
  it('is a host and a port, and cleartext only to loopback or with insecure', () => {
    const ok = { host: 'imap.example.com', port: 993, tls: 'implicit' as const, insecure: false };
    assert.equal(endpointProblem(ok), null);
    assert.match(endpointProblem({ ...ok, host: 'user@imap.example.com' }) ?? '', /host name or an IP address/);
    assert.match(endpointProblem({ ...ok, port: 0 }) ?? '', /port must be/);
    assert.match(endpointProblem({ ...ok, tls: 'none' }) ?? '', /in the clear/);
    assert.equal(endpointProblem({ ...ok, tls: 'none', insecure: true }), null);
    assert.equal(endpointProblem({ ...ok, host: '[::1]', tls: 'none' }), null);
  });
});
