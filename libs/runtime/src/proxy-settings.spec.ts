import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommonEnv } from '@mail/config';
import { proxySettings } from './feature-config.js';

const env = (vars: Record<string, string>) => CommonEnv.parse(vars);

describe('proxySettings (PROXY_PROTOCOL_LISTENERS, PROXY_TRUSTED_CIDRS)', () => {
  it('is off unless listeners are named', () => {
    assert.equal(proxySettings(env({ PROXY_TRUSTED_CIDRS: '10.0.0.0/8' })), undefined);
  });
  it('names listeners, `all` meaning every one, with the trusted networks and the timeout', () => {
    const s = proxySettings(env({ PROXY_PROTOCOL_LISTENERS: 'MX, imaps', PROXY_TRUSTED_CIDRS: '10.0.0.0/8,fd00::/8', PROXY_HEADER_TIMEOUT_MS: '2500' }));
    assert.deepEqual(s?.listeners, ['mx', 'imaps']);
    assert.equal(s?.headerTimeoutMs, 2500);
    assert.ok(s?.trusted.has('10.1.2.3') && s.trusted.has('::ffff:10.1.2.3') && s.trusted.has('fd00::1') && !s.trusted.has('192.0.2.1'));
    assert.equal(proxySettings(env({ PROXY_PROTOCOL_LISTENERS: 'all', PROXY_TRUSTED_CIDRS: '10.0.0.1' }))?.listeners.length, 7);
  });
  it('refuses a PROXY listener without trusted networks, and an unknown listener name', () => {
    assert.throws(() => proxySettings(env({ PROXY_PROTOCOL_LISTENERS: 'mx' })), /PROXY_TRUSTED_CIDRS is empty/);
    assert.throws(() => proxySettings(env({ PROXY_PROTOCOL_LISTENERS: 'smtps', PROXY_TRUSTED_CIDRS: '10.0.0.0/8' })), /unknown listener smtps/);
    assert.throws(() => proxySettings(env({ PROXY_PROTOCOL_LISTENERS: 'mx', PROXY_TRUSTED_CIDRS: '10.0.0.0/33' })), /bad prefix/);
  });
});
