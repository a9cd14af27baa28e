// End to end: one IMAP connection per recipient sits in IDLE on INBOX and stamps the time each EXISTS
// arrives; after the run, one FETCH of the new messages' Message-IDs ties every sequence number to the
// message sent, so latency is exact (send start → visible) without adding load during the run.
import { ImapClient, existsCount } from './imap-client.mjs';
import { latencySummary } from './stats.mjs';

export async function startWatchers({ port, host, users }) {
  const watchers = [];
  for (const u of users) {
    const c = await ImapClient.connect(port, host);
    await c.login(u.address, u.password);
    const sel = await c.command('SELECT INBOX');
    const base = sel.untagged.map(existsCount).find((n) => n !== null) ?? 0;
    const w = { user: u.address, client: c, base, seen: base, visibleAt: new Map(), waiters: [] };
    w.session = await c.idle((line) => {
      const n = existsCount(line);
      if (n === null || n <= w.seen) return;
      const t = performance.now();
      for (let s = w.seen + 1; s <= n; s++) w.visibleAt.set(s, t);
      w.seen = n;
      for (const f of w.waiters) f();
    });
    watchers.push(w);
  }
  return watchers;
}

/**
 * Waits until every watcher has seen `expected.get(address)` new messages, failing when nothing new
 * arrives for stallMs. Then maps arrivals to the sent messages.
 * sentAt: Map(messageId → ms); returns { delivered, missing, lastVisibleAt, p50, p99 }
 */
export async function collect(watchers, expected, sentAt, { stallMs = 30_000 } = {}) {
  let lastProgress = performance.now();
  let lastTotal = -1;
  for (;;) {
    const total = watchers.reduce((a, w) => a + (w.seen - w.base), 0);
    const done = watchers.every((w) => w.seen - w.base >= (expected.get(w.user) ?? 0));
    if (done) break;
    if (total !== lastTotal) {
      lastTotal = total;
      lastProgress = performance.now();
    } else if (performance.now() - lastProgress > stallMs) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const latencies = [];
  let delivered = 0;
  let lastVisibleAt = 0;
  let unmatched = 0;
  for (const w of watchers) {
    await w.session.stop();
    const got = w.seen - w.base;
    delivered += got;
    if (!got) continue;
    const r = await w.client.command(`FETCH ${w.base + 1}:${w.seen} (BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])`);
    for (const line of r.untagged) {
      const m = /^\* (\d+) FETCH[\s\S]*?Message-ID:\s*(<[^>\r\n]+>)/i.exec(line);
      if (!m) continue;
      const seq = Number(m[1]);
      const sent = sentAt.get(m[2]);
      const vis = w.visibleAt.get(seq);
      if (sent === undefined || vis === undefined) {
        unmatched++;
        continue;
      }
      latencies.push(vis - sent);
      if (vis > lastVisibleAt) lastVisibleAt = vis;
    }
  }
  const want = [...expected.values()].reduce((a, b) => a + b, 0);
  return { delivered, expected: want, missing: want - delivered, unmatched, lastVisibleAt, ...latencySummary(latencies) };
}

export async function closeWatchers(watchers) {
  await Promise.all(watchers.map((w) => w.client.logout()));
}
