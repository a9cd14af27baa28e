// Message trace at scale: N recorded messages generated with SQL straight into the platform's
// `trace` schema (three steps each: received, queued, delivered), then searches timed through the
// admin API as an administrator makes them (GET /api/v1/trace). Target: under 50 ms at 1,000,000.
import { HarnessError } from './phases.mjs';

const SENDERS = 50_000; // 20 messages each at 1,000,000
const DOMAINS = 2_000; // 500 messages each at 1,000,000
const RECIPIENTS = 100_000;
const QUERIES = 20; // per kind and repetition; the median is the figure

const sender = (k) => `s${k % SENDERS}@d${k % DOMAINS}.example`;
const messageId = (k) => `${k}.bench@trace.example`;

/**
 * Fills the trace tables with `count` messages. The secondary indexes are dropped first and built
 * again afterwards from their own definitions (pg_indexes), as a bulk load would: building an index
 * once is several times faster than maintaining it row by row. ANALYZE last, as autovacuum would.
 */
export async function fillTrace({ databaseUrl, count, log }) {
  const { default: pg } = await import('pg');
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const t0 = performance.now();
  try {
    const { rows: indexes } = await db.query(
      `SELECT i.indexname, i.indexdef FROM pg_indexes i
       WHERE i.schemaname = 'trace' AND i.indexname NOT IN (SELECT conname FROM pg_constraint WHERE connamespace = 'trace'::regnamespace)`,
    );
    for (const ix of indexes) await db.query(`DROP INDEX trace.${ix.indexname}`);
    const chunk = 250_000;
    for (let from = 0; from < count; from += chunk) {
      const to = Math.min(count, from + chunk) - 1;
      // one message every 2.5 s back from now: 1,000,000 messages span ~29 days
      await db.query(
        `INSERT INTO trace.messages (trace_key, queue_id, message_id, sender, client_ip, received_at, trace_id, connector)
         SELECT 'bench-' || i, 'q-' || i, i || '.bench@trace.example', 's' || (i % ${SENDERS}) || '@d' || (i % ${DOMAINS}) || '.example',
                '198.51.' || (i % 256) || '.' || (i / 256 % 256), now() - (i * interval '2.5 seconds'), md5(i::text), NULL
         FROM generate_series($1::int, $2::int) AS i`,
        [from, to],
      );
      await db.query(
        `INSERT INTO trace.events (trace_key, at, event, recipient, detail, connector, service)
         SELECT 'bench-' || i, now() - (i * interval '2.5 seconds') + s.offset_ms * interval '1 millisecond', s.event,
                CASE WHEN s.event = 'received' THEN NULL ELSE 'r' || (i % ${RECIPIENTS}) || '@bench.test' END,
                s.detail, NULL, s.service
         FROM generate_series($1::int, $2::int) AS i,
              (VALUES (0, 'received', 'smtp port 25 from 198.51.100.1, TLSv1.3 TLS_AES_256_GCM_SHA384', 'smtp-in'),
                      (1, 'queued', 'queued', 'delivery'),
                      (40, 'delivered', 'delivered locally', 'delivery')) AS s(offset_ms, event, detail, service)`,
        [from, to],
      );
      log(`  trace fill: ${(to + 1).toLocaleString('en-US')} messages (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
    for (const ix of indexes) await db.query(ix.indexdef);
    await db.query('ANALYZE trace.messages');
    await db.query('ANALYZE trace.events');
  } finally {
    await db.end();
  }
  return { ms: performance.now() - t0 };
}

async function timedSearch(target, query, expect) {
  const t0 = performance.now();
  const res = await fetch(`${target.adminUrl}/api/v1/trace?${new URLSearchParams(query)}`, { headers: { authorization: `Bearer ${target.adminToken}` } });
  const body = await res.json();
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new HarnessError(`trace search ${JSON.stringify(query)}: HTTP ${res.status} ${JSON.stringify(body)}`);
  if (!expect(body.messages)) throw new HarnessError(`trace search ${JSON.stringify(query)} found ${body.messages.length} messages, not what was recorded`);
  return ms;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Searches by sender, by Message-ID, by a whole sender domain and by recipient; the median of each kind per repetition. */
export async function tracePhase({ target, count, reps, into, log }) {
  const perSender = Math.floor(count / SENDERS) || 1;
  const pick = () => Math.floor(Math.random() * count);
  const kinds = {
    'trace.sender': (k) => timedSearch(target, { sender: sender(k) }, (m) => m.length === Math.min(perSender, 100) && m[0].sender === sender(k)),
    'trace.messageId': (k) => timedSearch(target, { messageId: `<${messageId(k)}>` }, (m) => m.length === 1 && m[0].events.length === 3 && m[0].status === 'delivered'),
    'trace.senderDomain': (k) => timedSearch(target, { sender: `*@d${k % DOMAINS}.example` }, (m) => m.length === Math.min(Math.ceil(count / DOMAINS), 100)),
    'trace.recipient': (k) => timedSearch(target, { recipient: `r${k % RECIPIENTS}@bench.test` }, (m) => m.length >= 1),
  };
  for (let rep = 0; rep < reps; rep++) {
    const line = [];
    for (const [key, search] of Object.entries(kinds)) {
      await search(pick()); // a first, unmeasured query of the kind: connection and plan caches
      const times = [];
      for (let q = 0; q < QUERIES; q++) times.push(await search(pick()));
      (into[key] ??= []).push(median(times));
      line.push(`${key.slice(6)} ${median(times).toFixed(1)} ms`);
    }
    log(`  trace search at ${count.toLocaleString('en-US')} messages, median of ${QUERIES}: ${line.join(', ')}`);
  }
}
