import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface TestPki {
  caCert: string;
  caFile: string;
  /** a client certificate for `name`, signed by the CA */
  client: { key: string; cert: string };
  /** a server certificate for smarthost.test, localhost and 127.0.0.1, signed by the CA (smart hosts that validate) */
  server: { key: string; cert: string };
}

/** A throw-away CA with a client and a server certificate, made in the test (RSA: EC keys trip a duplicated @peculiar/asn1-schema in node_modules). */
export async function makeTestPki(dir: string, clientName: string): Promise<TestPki> {
  const ca = await generate([{ name: 'commonName', value: 'Test CA' }], {
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  } as never);
  const leaf = async (cn: string, altNames: unknown[], usage: 'clientAuth' | 'serverAuth') => {
    const pems = await generate([{ name: 'commonName', value: cn }], {
      algorithm: 'sha256',
      ca: { key: ca.private, cert: ca.cert },
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', [usage]: true },
        { name: 'subjectAltName', altNames },
      ],
    } as never);
    return { key: pems.private, cert: pems.cert };
  };
  const caFile = join(dir, 'client-ca.pem');
  await writeFile(caFile, ca.cert);
  return {
    caCert: ca.cert,
    caFile,
    client: await leaf(clientName, [{ type: 2, value: clientName }], 'clientAuth'),
    server: await leaf('smarthost.test', [{ type: 2, value: 'smarthost.test' }, { type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }], 'serverAuth'),
  };
}

/**
 * A platform's own listeners with a certificate from a fresh test CA: the key and certificate are
 * written to `dir`, `env` points TLS_CERT_FILE/TLS_KEY_FILE at them, and `pki.caFile` is what a
 * client that verifies (REMOTE_TLS_CA_FILE of a migration, OUTBOUND_TLS_CA_FILE) is told to trust.
 */
export async function serverTlsFromTestCa(dir: string): Promise<{ pki: TestPki; env: { TLS_CERT_FILE: string; TLS_KEY_FILE: string } }> {
  const pki = await makeTestPki(dir, 'unused.test');
  const env = { TLS_CERT_FILE: join(dir, 'server.crt'), TLS_KEY_FILE: join(dir, 'server.key') };
  await writeFile(env.TLS_KEY_FILE, pki.server.key);
  await writeFile(env.TLS_CERT_FILE, pki.server.cert);
  return { pki, env };
}
