import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import type { DkimAlgorithm } from '@mail/contracts';

const generate = promisify(generateKeyPair);

export interface DkimKeyPair {
  /** PKCS#8 PEM, what mailauth's signer takes */
  privateKeyPem: string;
  /** the `p=` value of the TXT record */
  publicKey: string;
}

/**
 * A new signing key. RSA publishes the DER SubjectPublicKeyInfo (RFC 6376 §3.6.1); Ed25519 publishes
 * the bare 32-byte key, not its SPKI wrapping (RFC 8463 §4.2).
 */
export async function generateDkimKeyPair(algorithm: DkimAlgorithm): Promise<DkimKeyPair> {
  if (algorithm === 'rsa-2048') {
    const { privateKey, publicKey } = await generate('rsa', { modulusLength: 2048 });
    return { privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64') };
  }
  const { privateKey, publicKey } = await generate('ed25519');
  return { privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey: rawEd25519(publicKey.export({ type: 'spki', format: 'der' })) };
}

/** The SPKI of an Ed25519 key is a fixed 12-byte prefix and the 32-byte key. */
function rawEd25519(spki: Buffer): string {
  return spki.subarray(spki.length - 32).toString('base64');
}

/** The TXT record's value, unsplit. */
export function dkimTxtValue(algorithm: DkimAlgorithm, publicKey: string): string {
  return `v=DKIM1; k=${algorithm === 'ed25519' ? 'ed25519' : 'rsa'}; p=${publicKey}`;
}
