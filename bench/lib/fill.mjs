// Filling a mailbox before the IMAP figures. Generic path: APPEND over a few connections, pipelined with
// LITERAL+ (works against any IMAP server, and is how our platform is filled: it indexes at append time,
// as at delivery). Anchor path: Maildir files written directly (Dovecot builds its index on first access,
// which the unmeasured warm-up pass pays for).
import { mkdirSync, writeFileSync, chownSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { ImapClient } from './imap-client.mjs';
import { makeMessage } from './message.mjs';

export async function fillByAppend({ port, host, user, password, count, from, startIndex = 0, connections = 4, batch = 100, runId = 'fill', mailbox = 'INBOX' }) {
  let next = 0;
  const t0 = performance.now();
  let failures = 0;
  let firstFailure;
  const worker = async () => {
    const c = await ImapClient.connect(port, host);
    try {
      await c.login(user, password);
      for (;;) {
        const start = next;
        if (start >= count) break;
        next = Math.min(count, start + batch);
        const texts = [];
        const raws = [];
        for (let i = start; i < next; i++) {
          const { raw } = makeMessage({ index: startIndex + i, from, to: user, runId });
          texts.push(`APPEND ${mailbox} {${raw.length}+}\r\n`);
          raws.push(raw);
        }
        const r = await c.pipeline(texts, raws);
        failures += r.failed;
        if (r.failed && !firstFailure) firstFailure = c.firstFailure;
      }
    } finally {
      await c.logout();
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  if (failures) throw new Error(`fill: ${failures} of ${count} APPENDs failed (${firstFailure})`);
  return { ms: performance.now() - t0, method: `IMAP APPEND, ${connections} connections pipelined (LITERAL+)` };
}

/** Maildir files straight into cur/, owned by the mailbox owner, named as Dovecot names them. */
export function fillMaildir({ maildir, owner, user, count, from, startIndex = 0, runId = 'fill' }) {
  const t0 = performance.now();
  for (const sub of ['', 'cur', 'new', 'tmp']) {
    mkdirSync(join(maildir, sub), { recursive: true });
    chownSync(join(maildir, sub), owner.uid, owner.gid);
  }
  const existing = readdirSync(join(maildir, 'cur')).length;
  const base = Math.floor(Date.now() / 1000) - count;
  const host = hostname().replace(/[/:]/g, '_');
  for (let i = 0; i < count; i++) {
    const { raw } = makeMessage({ index: startIndex + i, from, to: user, runId });
    // unique per file; S= lets Dovecot skip a stat for the size
    const name = `${base + i}.M${existing + i}P${process.pid}.${host},S=${raw.length}:2,`;
    const file = join(maildir, 'cur', name);
    writeFileSync(file, raw);
    chownSync(file, owner.uid, owner.gid);
  }
  return { ms: performance.now() - t0, method: 'Maildir files written directly (index built by the warm-up pass)' };
}
