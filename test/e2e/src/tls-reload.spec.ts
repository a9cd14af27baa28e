import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generate } from 'selfsigned';
import { freePort, startEmbeddedForTest } from '@mail/testing';
import { handshake, tlsListeners } from './tls-probe.js';

async function makePair(commonName: string, notAfterDate: Date): Promise<{ key: string; cert: string; fingerprint: string; notAfter: number }> {
  const pems = await generate([{ name: 'commonName', value: commonName }], { keySize: 2048, algorithm: 'sha256', notAfterDate } as never);
  return { key: pems.private, cert: pems.cert, fingerprint: new X509Certificate(pems.cert).fingerprint256, notAfter: notAfterDate.getTime() / 1000 };
}

/** mail_tls_certificate_not_after_seconds as the platform's /metrics says it */
async function exportedNotAfter(platform: { adminUrl: string }): Promise<number | undefined> {
  const text = await (await fetch(`${platform.adminUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('mail_tls_certificate_not_after_seconds'));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : undefined;
}

/** as a renewal tool does it: a new file renamed over the old one */
async function install(dir: string, pair: { key: string; cert: string }) {
  await writeFile(join(dir, 'key.new'), pair.key, { mode: 0o600 });
  await writeFile(join(dir, 'cert.new'), pair.cert);
  await rename(join(dir, 'key.new'), join(dir, 'server.key'));
  await rename(join(dir, 'cert.new'), join(dir, 'server.crt'));
}

describe('a renewed certificate is served without a restart (issue 11)', () => {
  let dir: string;
  let platform: Awaited<ReturnType<typeof startEmbeddedForTest>>;
  let listeners: ReturnType<typeof tlsListeners> = [];
  let first: Awaited<ReturnType<typeof makePair>>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mail-tls-reload-'));
    first = await makePair('first.test', new Date(Date.UTC(2030, 0, 1)));
    await install(dir, first);
    const [submissions, imaps, pop3s] = [await freePort(), await freePort(), await freePort()];
    platform = await startEmbeddedForTest({
      env: {
        SUBMISSIONS_PORT: String(submissions),
        IMAPS_PORT: String(imaps),
        POP3S_PORT: String(pop3s),
        TLS_CERT_FILE: join(dir, 'server.crt'),
        TLS_KEY_FILE: join(dir, 'server.key'),
        TLS_RELOAD_INTERVAL_MS: '200',
      },
    });
    listeners = tlsListeners(platform, { submissions, imaps, pop3s });
  });
  after(async () => {
    await platform?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('every listener serves the configured certificate, then the renewed one once the files change', async () => {
    const served = async (name: string, target: () => ReturnType<(typeof listeners)[number]['target']>) => {
      const got = await handshake(await target(), {});
      assert.ok(!(got instanceof Error), `${name}: ${got instanceof Error ? got.message : ''}`);
      return got.fingerprint;
    };
    for (const l of listeners) assert.equal(await served(l.name, l.target), first.fingerprint, l.name);
    assert.equal(await exportedNotAfter(platform), first.notAfter);

    const renewed = await makePair('renewed.test', new Date(Date.UTC(2031, 6, 1)));
    await install(dir, renewed);
    for (const l of listeners) {
      let fingerprint = await served(l.name, l.target);
      // the files are checked every 200 ms: give it up to 10 s on a loaded machine
      for (let i = 0; i < 100 && fingerprint !== renewed.fingerprint; i++) {
        await new Promise((r) => setTimeout(r, 100));
        fingerprint = await served(l.name, l.target);
      }
      assert.equal(fingerprint, renewed.fingerprint, l.name);
    }
    assert.equal(await exportedNotAfter(platform), renewed.notAfter, 'the expiry metric follows the renewed certificate');
  });
});
