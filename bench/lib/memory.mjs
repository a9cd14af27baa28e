// Memory per idle IMAP connection: PSS of every server process with no bench connection open, then with
// N connections logged in, INBOX selected and in IDLE; the difference divided by N.
import { readFileSync } from 'node:fs';
import { ImapClient } from './imap-client.mjs';
import { memoryOf } from './procmem.mjs';

/** Connections this process can hold: the soft fd limit, less headroom for everything else. */
export function connectionBudget(wanted) {
  let soft = 1024;
  try {
    const m = /Max open files\s+(\d+|unlimited)/.exec(readFileSync('/proc/self/limits', 'utf8'));
    soft = m[1] === 'unlimited' ? Infinity : Number(m[1]);
  } catch {
    /* not Linux: keep the conservative default */
  }
  const n = Math.min(wanted, Math.max(0, soft - 200));
  return { n, note: n < wanted ? `fd limit ${soft}: ${n} connections instead of ${wanted}` : '' };
}

const settle = (ms) => new Promise((r) => setTimeout(r, ms));

export async function idleMemory({ port, host, users, connections, pids, parallel = 32 }) {
  const budget = connectionBudget(connections);
  await settle(1000);
  const before = memoryOf(pids());
  const clients = [];
  const sessions = [];
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= budget.n) return;
      const u = users[i % users.length];
      const c = await ImapClient.connect(port, host);
      clients.push(c);
      await c.login(u.address, u.password);
      await c.command('SELECT INBOX');
      sessions.push(await c.idle(() => undefined));
    }
  };
  try {
    await Promise.all(Array.from({ length: parallel }, worker));
    const openMs = performance.now() - t0;
    await settle(2000);
    const after = memoryOf(pids());
    return {
      connections: budget.n,
      note: budget.note,
      openMs,
      before,
      after,
      pssPerConnection: (after.pss - before.pss) / budget.n,
      rssPerConnection: (after.rss - before.rss) / budget.n,
    };
  } finally {
    for (const c of clients) c.close();
    await serverSettled(pids, before.processes);
  }
}

/**
 * After the connections closed, waits (up to 60 s) for the server to let go of them: Dovecot's
 * per-connection imap processes take seconds to exit, and a repetition measured before they have
 * starts from ~2,000 processes and reports a negative difference (seen in a full run).
 */
async function serverSettled(pids, processesBefore) {
  const deadline = Date.now() + 60_000;
  await settle(500);
  while (memoryOf(pids()).processes > processesBefore && Date.now() < deadline) await settle(250);
}
