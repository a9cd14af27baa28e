import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runTranscript, type PlatformUnderTest } from '@mail/testing';

/** test/protocol/<proto>/*.test, next to this suite's sources (dist is test/e2e/dist) */
const TRANSCRIPTS = join(__dirname, '..', '..', 'protocol');
const DOMAIN = 'proto.test';
/** a second tenant, for scripts that prove one tenant never sees another's mailboxes (`${stranger}`) */
const OTHER_DOMAIN = 'other-proto.test';
const PASSWORD = 'transcript pass phrase';

async function admin(p: PlatformUnderTest, path: string, body: unknown): Promise<void> {
  const res = await fetch(p.adminUrl + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${p.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.ok(res.ok, `${path}: ${res.status} ${await res.text()}`);
}

/**
 * Settings for `${user}`'s account from a `#! account {json}` line of the script (what the admin
 * API's account creation takes, e.g. `{"quotaBytes": 4096}`).
 */
function accountSettings(script: string): Record<string, unknown> {
  const line = script.split('\n').find((l) => l.startsWith('#! account '));
  return line ? (JSON.parse(line.slice('#! account '.length)) as Record<string, unknown>) : {};
}

export function transcriptFiles(proto: string): string[] {
  return readdirSync(join(TRANSCRIPTS, proto))
    .filter((f) => f.endsWith('.test'))
    .sort();
}

/**
 * Plays every IMAP transcript of test/protocol/imap against a platform, each with fresh accounts
 * and, given `moreImapPorts` (other access replicas), session 2 of each script on the second replica
 * (`${user}`, `${other}`, both with `${password}`; `${saslPlain}` is the user's AUTHENTICATE PLAIN
 * response) provisioned through the admin API.
 */
export function imapTranscripts<P extends PlatformUnderTest>(name: string, start: () => Promise<P>, moreImapPorts?: (p: P) => Promise<number[]>): void {
  describe(`IMAP protocol transcripts (${name})`, { timeout: 300_000 }, () => {
    let p: P;
    let ports: number[];
    before(async () => {
      p = await start();
      ports = [p.ports.imap, ...((await moreImapPorts?.(p)) ?? [])];
      await admin(p, '/api/v1/domains', { name: DOMAIN });
      await admin(p, '/api/v1/domains', { name: OTHER_DOMAIN });
    });
    after(async () => {
      await p?.close();
    });

    transcriptFiles('imap').forEach((file, i) => {
      it(file, async () => {
        const user = `t${i}@${DOMAIN}`;
        const other = `o${i}@${DOMAIN}`;
        const script = readFileSync(join(TRANSCRIPTS, 'imap', file), 'utf8');
        await admin(p, '/api/v1/accounts', { ...accountSettings(script), address: user, password: PASSWORD });
        await admin(p, '/api/v1/accounts', { address: other, password: PASSWORD });
        // a third user of the tenant and one of another tenant, made only for the scripts that use them
        const third = `h${i}@${DOMAIN}`;
        const stranger = `s${i}@${OTHER_DOMAIN}`;
        if (script.includes('${third}')) await admin(p, '/api/v1/accounts', { address: third, password: PASSWORD });
        if (script.includes('${stranger}')) await admin(p, '/api/v1/accounts', { address: stranger, password: PASSWORD });
        const saslPlain = Buffer.from(`\0${user}\0${PASSWORD}`).toString('base64');
        await runTranscript(script, { host: p.host, ports }, { vars: { user, other, third, stranger, password: `"${PASSWORD}"`, saslPlain, domain: DOMAIN } });
      });
    });
  });
}
