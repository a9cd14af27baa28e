import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientKey, expandIPv6, NetworkList } from './client-key.js';

describe('clientKey', () => {
  it('counts IPv4 clients by address, mapped ones too', () => {
    assert.equal(clientKey('192.0.2.7'), '192.0.2.7');
    assert.equal(clientKey('::ffff:192.0.2.7'), '192.0.2.7');
    assert.equal(clientKey(undefined), 'unknown');
  });

  it('counts IPv6 clients by /64', () => {
    assert.equal(clientKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
    assert.equal(clientKey('2001:DB8:1:2:ffff:ffff:ffff:ffff'), '2001:db8:1:2::/64');
    assert.equal(clientKey('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(clientKey('::1'), '0:0:0:0::/64');
    assert.notEqual(clientKey('2001:db8:1:3::1'), clientKey('2001:db8:1:2::1'));
  });

  it('expands every spelling of an IPv6 address', () => {
    assert.deepEqual(expandIPv6('::'), ['0', '0', '0', '0', '0', '0', '0', '0']);
    assert.deepEqual(expandIPv6('fe80::1%eth0'), ['fe80', '0', '0', '0', '0', '0', '0', '1']);
    assert.deepEqual(expandIPv6('64:ff9b::192.0.2.1'), ['64', 'ff9b', '0', '0', '0', '0', 'c000', '201']);
    assert.deepEqual(expandIPv6('1:2:3:4:5:6:7:8'), ['1', '2', '3', '4', '5', '6', '7', '8']);
  });
});

describe('NetworkList', () => {
  it('matches addresses against networks of both families', () => {
    const list = new NetworkList('127.0.0.0/8, ::1, 2001:db8::/32');
    assert.ok(list.has('127.1.2.3'));
    assert.ok(list.has('::ffff:127.0.0.1'));
    assert.ok(list.has('::1'));
    assert.ok(list.has('2001:db8:5::9'));
    assert.ok(!list.has('10.0.0.1'));
    assert.ok(!list.has('2001:db9::1'));
    assert.ok(!list.has(undefined));
    assert.ok(!new NetworkList('').has('127.0.0.1'));
  });

  it('refuses what is not a network', () => {
    assert.throws(() => new NetworkList('localhost'), /not an IP network/);
    assert.throws(() => new NetworkList('10.0.0.0/33'), /bad prefix/);
  });
});
