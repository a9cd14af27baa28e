import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spfAuthenticationResults } from './spf-check.js';

const input = { ip: '192.0.2.10', helo: 'mail.sender.test', sender: 'a@sender.test', hostname: 'mx.test' };

describe('SPF check', () => {
  it('passes with the injected resolver', async () => {
    const resolver = async (name: string, type: string) => {
      if (name === 'sender.test' && type === 'TXT') return [['v=spf1 ip4:192.0.2.0/24 -all']];
      throw Object.assign(new Error('nxdomain'), { code: 'ENOTFOUND' });
    };
    assert.match(await spfAuthenticationResults(input, { resolver }), /^Authentication-Results: mx\.test;\r\n\tspf=pass .*smtp\.mailfrom=a@sender\.test/);
  });
  it('fails soft and fast when DNS never answers', async () => {
    const header = await spfAuthenticationResults(input, { resolver: () => new Promise(() => undefined), timeoutMs: 50 });
    assert.match(header, /spf=temperror/);
  });
});
