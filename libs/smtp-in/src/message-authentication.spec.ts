import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { dkimSign } from 'mailauth';
import { authenticateMessage, authenticationResultsOf } from './message-authentication.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PUBLIC = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
const PRIVATE = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

/** DNS of a sender domain that signs, publishes SPF for 192.0.2.0/24 and `p=<policy>` */
const zone = (policy: string): Record<string, string[]> => ({
  'TXT sender.test': ['v=spf1 ip4:192.0.2.0/24 -all'],
  'TXT s1._domainkey.sender.test': [`v=DKIM1; k=rsa; p=${PUBLIC}`],
  'TXT _dmarc.sender.test': [`v=DMARC1; p=${policy}`],
});
const resolverOf = (records: Record<string, string[]>) => async (name: string, type: string) => {
  const found = records[`${type} ${name.toLowerCase()}`];
  if (!found) throw Object.assign(new Error(`no ${type} ${name}`), { code: 'ENOTFOUND' });
  return type === 'TXT' ? found.map((t) => [t]) : found;
};

const message = 'From: Ann <ann@sender.test>\r\nTo: bob@example.com\r\nSubject: hi\r\nMessage-ID: <1@sender.test>\r\n\r\nhello\r\n';
const signed = async (text: string) => (await dkimSign(text, { signingDomain: 'sender.test', selector: 's1', privateKey: PRIVATE, signatureData: [{ signingDomain: 'sender.test', selector: 's1', privateKey: PRIVATE }] })).signatures + text;
const run = (text: string, ip: string, records: Record<string, string[]>, sender = 'ann@sender.test') =>
  authenticateMessage(Readable.from([Buffer.from(text)]), { ip, helo: 'mail.sender.test', sender, hostname: 'mx.example.net' }, { resolver: resolverOf(records) });

describe('authenticateMessage', () => {
  it('passes a signed message from an SPF-listed address, in one header of ours', async () => {
    const r = await run(await signed(message), '192.0.2.7', zone('reject'));
    assert.equal(r.dmarc.result, 'pass');
    assert.equal(r.fromDomain, 'sender.test');
    assert.match(r.header, /^Authentication-Results: mx\.example\.net;\r\n/);
    assert.match(r.header, /dkim=pass [^;]*header\.i=@sender\.test/);
    assert.match(r.header, /spf=pass [^;]*smtp\.mailfrom=ann@sender\.test/);
    assert.match(r.header, /dmarc=pass [^;]*header\.from=sender\.test/);
    assert.equal(r.header.match(/Authentication-Results:/g)?.length, 1);
    assert.doesNotMatch(r.header, /Received-SPF/);
  });

  it('fails DMARC for a forged message and reports the published policy', async () => {
    const r = await run(message, '198.51.100.9', zone('reject'));
    assert.deepEqual(r.dmarc, { result: 'fail', policy: 'reject', fromDomain: 'sender.test' });
    assert.match(r.header, /dmarc=fail/);
    assert.equal((await run(message, '198.51.100.9', zone('quarantine'))).dmarc.policy, 'quarantine');
  });

  it('passes DMARC on an aligned DKIM signature alone (mail forwarded from elsewhere)', async () => {
    const r = await run(await signed(message), '198.51.100.9', zone('reject'), 'list@forwarder.test');
    assert.equal(r.dmarc.result, 'pass');
  });

  it('detects a body changed after signing', async () => {
    const r = await run((await signed(message)).replace('hello', 'HELLO'), '198.51.100.9', zone('reject'));
    assert.match(r.header, /dkim=(fail|neutral)/);
    assert.equal(r.dmarc.result, 'fail');
  });

  it('gives temperror and no policy when the DNS never answers, within its bound', async () => {
    const r = await authenticateMessage(
      Readable.from([Buffer.from(message)]),
      { ip: '192.0.2.7', helo: 'h.test', sender: 'ann@sender.test', hostname: 'mx.example.net' },
      { resolver: () => new Promise(() => undefined), timeoutMs: 100 },
    );
    assert.equal(r.dmarc.policy, 'none');
    assert.match(r.header, /temperror/);
  });
});

describe('authenticationResultsOf', () => {
  it('keeps only the Authentication-Results field, CRLF, without control characters', () => {
    const out = authenticationResultsOf('Received-SPF: pass\r\n x\r\nAuthentication-Results: mx.test;\n spf=pass\x07;\n dkim=none\r\n', 'mx.test');
    assert.equal(out, 'Authentication-Results: mx.test;\r\n spf=pass?;\r\n dkim=none\r\n');
  });
});
