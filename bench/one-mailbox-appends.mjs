// One-mailbox appends as delivery sends them (ADR 0053): batches of 16 messages with their carried
// index into ONE INBOX, 4 batches at a time, through the store over the in-process bus on a scratch
// PostgreSQL database. Prints CPU per message of this process (the store) and of its PostgreSQL
// backends (/proc), the figures that hold on a loaded machine, and the wall time.
//   node bench/one-mailbox-appends.mjs [--batches=40] [--batch=16] [--accounts=1] [--root=DIR]   (DIR: another checkout's build, for an A/B)
// --accounts=N spreads each batch's items round robin over N accounts' INBOXes (the SMTP ingest's
// shape: a delivery batch of messages to many accounts, ADR 0059) instead of one.
//   BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres)
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const arg = (name, dflt) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt;
const root = arg('root', fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, ''));
const { startStore, freshPostgres, rawMessage } = await import(`${root}/libs/store/dist/store-test-harness.js`);
const { AppendMessages, ListMailboxes, encodeCarriedIndex } = await import(`${root}/libs/contracts/dist/index.js`);
const { indexMessageBuffer } = await import(`${root}/libs/mime/dist/index.js`);
const { randomUUID } = await import('node:crypto');
const h = await startStore(await freshPostgres(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'));
const accounts = Array.from({ length: Number(arg('accounts', 1)) }, () => randomUUID());
for (const accountId of accounts) await h.bus.request(ListMailboxes, { accountId });
const BATCHES = Number(arg('batches', 40)), N = Number(arg('batch', 16));
const batches = [];
for (let b = 0; b < BATCHES; b++) {
  const items = [];
  for (let i = 0; i < N; i++) {
    const raw = rawMessage({ subject: `m ${b} ${i}`, body: 'x'.repeat(8000) });
    items.push({ accountId: accounts[(b * N + i) % accounts.length], blobKey: await h.put(raw), size: Buffer.byteLength(raw), idempotencyKey: `k${b}:${i}`, index: encodeCarriedIndex(indexMessageBuffer(Buffer.from(raw))) });
  }
  batches.push(items);
}
const backends = async () => (await h.db.query("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")).rows.map((r) => r.pid);
const pgCpu = (pids) => pids.reduce((n, pid) => { try { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return n + Number(f[11]) + Number(f[12]); } catch { return n; } }, 0) * 10;
// warm-up batch, and the pool's connections opened before the measured part
await Promise.all(Array.from({ length: 8 }, () => h.db.query('SELECT pg_sleep(0.2)')));
await h.bus.request(AppendMessages, { items: batches.shift() });
const pids0 = await backends();
const pg0 = pgCpu(pids0); const c0 = process.cpuUsage(); const t0 = performance.now();
const { rows: [w1] } = await h.db.query('SELECT pg_current_wal_lsn() AS l');
// 4 workers at once, as delivery's workers would
const queue = [...batches];
await Promise.all(Array.from({ length: 4 }, async () => { for (let b = queue.shift(); b; b = queue.shift()) { const r = await h.bus.request(AppendMessages, { items: b }); if (r.results.some((x) => !x.ok)) throw new Error('append failed'); } }));
const t1 = performance.now(); const c1 = process.cpuUsage(c0);
const pids1 = await backends();
const pg1 = pgCpu(pids1);
const n = (BATCHES - 1) * N;
const { rows: [w2] } = await h.db.query('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1) AS d', [w1.l]);
const { rows: [st] } = await h.db.query("SELECT sum(message_count)::int AS message_count FROM mail.mailboxes WHERE account_id = ANY($1::uuid[]) AND name = 'INBOX'", [accounts]);
console.log(JSON.stringify({ root, accounts: accounts.length, messages: n, inbox: Number(st.message_count), wallMs: +(t1 - t0).toFixed(0), nodeCpuMsPerMsg: +((c1.user + c1.system) / 1000 / n).toFixed(3), pgCpuMsPerMsg: +((pg1 - pg0) / n).toFixed(3), pgBackends: [pids0.length, pids1.length], walBytesPerMsg: Math.round(Number(w2.d) / n), walNote: 'the whole server\'s WAL: meaningful on a server of its own only' }));
await h.close();
process.exit(0);
