import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { dkimVerify } from 'mailauth/lib/dkim/verify';
import { readAll } from '@mail/blob';
import { OutboundDkimSigner, DkimSigningError, type Opener } from './outbound-dkim-signer.js';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ed = generateKeyPairSync('ed25519');
const pem = (k: typeof rsa.privateKey) => k.export({ type: 'pkcs8', format: 'pem' }).toString();
const dns: Record<string, string> = {
  'r1._domainkey.example.com': `v=DKIM1; k=rsa; p=${rsa.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`,
  'e1._domainkey.example.com': `v=DKIM1; k=ed25519; p=${ed.publicKey.export({ type: 'spki', format: 'der' }).subarray(12).toString('base64')}`,
};
const resolver = async (name: string, type: string) => {
  const txt = dns[name];
  if (type !== 'TXT' || !txt) throw Object.assign(new Error('no such record'), { code: 'ENOTFOUND' });
  return [[txt]];
};

/** "sealed" is the PEM reversed: enough to show the signer opens what it is given and nothing else. */
const opener: Opener = { open: (s) => [...s].reverse().join('') };
const seal = (text: string) => [...text].reverse().join('');
const keysOf = (keys: Array<{ selector: string; algorithm: 'rsa-2048' | 'ed25519'; sealedPrivateKey: string }>) => ({ request: async () => ({ keys }) });
const bothKeys = keysOf([
  { selector: 'r1', algorithm: 'rsa-2048', sealedPrivateKey: seal(pem(rsa.privateKey)) },
  { selector: 'e1', algorithm: 'ed25519', sealedPrivateKey: seal(pem(ed.privateKey)) },
]);

const message = (body: string) => Buffer.from(`From: Alice <alice@example.com>\r\nTo: bob@remote.test\r\nSubject: hello\r\nDate: Mon, 7 Dec 2026 02:00:00 +0000\r\nMessage-ID: <m1@example.com>\r\n\r\n${body}`);
const submitted = (raw: Buffer) => ({ source: { protocol: 'submission' as const }, size: raw.length });

describe('OutboundDkimSigner', () => {
  it('signs with every active key of the From domain (RSA and Ed25519) and both verify', async () => {
    const raw = message('Hello Bob,\r\nthis is signed.\r\n');
    const out = await new OutboundDkimSigner(bothKeys, opener).bodyFor(submitted(raw), async () => Readable.from([raw]));
    assert.equal(out.signedBy, 'example.com');
    const sent = await readAll(await out.open());
    assert.equal(sent.length, out.size, 'the announced size is what is sent');
    assert.ok(sent.subarray(sent.length - raw.length).equals(raw), 'the message follows the signatures unchanged');
    const verified = await dkimVerify(sent, { resolver });
    const results = verified.results.map((r) => `${r.signingDomain}/${r.selector}:${r.status.result}`).sort();
    assert.deepEqual(results, ['example.com/e1:pass', 'example.com/r1:pass']);
  });

  it('streams a large body: the message is read twice from its source, never gathered into one buffer', async () => {
    const chunk = Buffer.from(('x'.repeat(76) + '\r\n').repeat(820)); // 64 KB of lines
    const chunks = 128; // 8 MB of body
    const header = Buffer.from('From: alice@example.com\r\nSubject: big\r\n\r\n');
    let reads = 0;
    const read = async () => {
      reads++;
      return Readable.from(
        (function* () {
          yield header;
          for (let i = 0; i < chunks; i++) yield chunk;
        })(),
      );
    };
    const size = header.length + chunks * chunk.length;
    const out = await new OutboundDkimSigner(bothKeys, opener).bodyFor({ source: { protocol: 'local' }, size }, read);
    const verified = await dkimVerify(await out.open(), { resolver });
    assert.deepEqual(verified.results.map((r) => r.status.result), ['pass', 'pass']);
    // the header block (bounded read), the signer's pass, the send
    assert.equal(reads, 3);
  });

  it('leaves mail from the internet unsigned even when its From claims a hosted domain', async () => {
    const raw = message('forged\r\n');
    let asked = false;
    const keys = { request: async () => ((asked = true), { keys: [] }) };
    const out = await new OutboundDkimSigner(keys, opener).bodyFor({ source: { protocol: 'smtp' }, size: raw.length }, async () => Readable.from([raw]));
    assert.equal(out.signedBy, null);
    assert.equal(asked, false);
    assert.ok((await readAll(await out.open())).equals(raw));
  });

  it('sends unsigned when the domain has no key, and refuses (to be retried) when keys cannot be opened', async () => {
    const raw = message('x\r\n');
    const none = await new OutboundDkimSigner(keysOf([]), opener).bodyFor(submitted(raw), async () => Readable.from([raw]));
    assert.equal(none.signedBy, null);
    await assert.rejects(new OutboundDkimSigner(bothKeys, undefined).bodyFor(submitted(raw), async () => Readable.from([raw])), DkimSigningError);
  });

  it('a broken source stream fails the signing instead of sending a truncated signed message', async () => {
    const raw = message('x\r\n');
    let n = 0;
    const read = async () =>
      n++ === 0
        ? Readable.from([raw])
        : new Readable({
            read() {
              this.push(raw.subarray(0, 20));
              this.destroy(new Error('blob store went away'));
            },
          });
    await assert.rejects(new OutboundDkimSigner(bothKeys, opener).bodyFor(submitted(raw), read), /blob store went away/);
  });
});
