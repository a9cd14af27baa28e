'use strict';
// One-shot init for docker-compose: puts a self-signed certificate into the shared TLS volume so
// STARTTLS/SMTPS/IMAPS/POP3S work out of the box. It never replaces files already there, so an
// operator who mounts a real certificate keeps it. Not for production: use a real CA there.
const fs = require('node:fs');
const path = require('node:path');
// The script lives outside the app tree in the image; resolve the app's copy of selfsigned.
const selfsigned = require(require.resolve('selfsigned', { paths: [process.cwd(), '/app', __dirname] }));

const certFile = process.env.TLS_CERT_FILE || '/etc/mail/tls/tls.crt';
const keyFile = process.env.TLS_KEY_FILE || '/etc/mail/tls/tls.key';
const host = process.env.HOSTNAME_FQDN || 'mail.example.test';

async function main() {
  if (fs.existsSync(certFile) && fs.existsSync(keyFile)) {
    console.log(`dev-tls-cert: keeping existing ${certFile}`);
    return;
  }
  const notAfterDate = new Date(Date.now() + 365 * 24 * 3600 * 1000);
  const pems = await selfsigned.generate([{ name: 'commonName', value: host }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: host }, { type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
    ],
  });
  fs.mkdirSync(path.dirname(certFile), { recursive: true });
  fs.writeFileSync(keyFile, pems.private, { mode: 0o600 });
  fs.writeFileSync(certFile, pems.cert, { mode: 0o644 });
  console.log(`dev-tls-cert: wrote a self-signed certificate for ${host} to ${certFile}`);
}

main().catch((err) => {
  console.error(`dev-tls-cert: ${err.message}`);
  process.exit(1);
});
