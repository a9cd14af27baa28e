import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDnsServers } from './dns-servers.js';

describe('parseDnsServers', () => {
  it('reads addresses with and without ports, IPv4 and IPv6', () => {
    assert.deepEqual(parseDnsServers(' 127.0.0.1:5353, [::1]:53 ,10.0.0.2,::1'), ['127.0.0.1:5353', '[::1]:53', '10.0.0.2', '::1']);
  });
  it('treats unset and blank as "the system resolvers"', () => {
    assert.deepEqual(parseDnsServers(undefined), []);
    assert.deepEqual(parseDnsServers('  '), []);
  });
  it('names the entry it refuses', () => {
    for (const bad of ['dns.example:53', '127.0.0.1:0', '127.0.0.1:65536', '[::1]', '::1:53x', '1.2.3.4:53:53', '[127.0.0.1]:53']) {
      assert.throws(() => parseDnsServers(`127.0.0.1,${bad}`), (err: Error) => err.message.includes(`"${bad}"`), bad);
    }
  });
});
