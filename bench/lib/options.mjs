// Command-line options of bench/run.mjs.
export const USAGE = `usage: npm run bench -- [options]
  --quick               small run for CI (300 messages, 4 connections, no warm-up, mailbox 1,000, POP3 maildrop 200, 1 repetition, 100 idle connections)
  --only=platform|anchor|embedded  one side only (embedded: the embedded process alone)
  --reps=N              repetitions of every figure (default 3)
  --messages=N          SMTP ingest messages per repetition (default 5000)
  --connections=C       concurrent SMTP connections (default 16)
  --warmup=N            unmeasured SMTP messages each side takes (and delivers) before its ingest repetitions (default 1000; 0 skips)
  --mailbox=10000,100000  IMAP mailbox sizes (default 10000; add 100000 for the growth figure)
  --idle=N              idle IMAP connections for the memory figure (default 2000; 0 skips it)
  --one-mailbox=N       messages per repetition of the one-mailbox ingest (default: --messages; 0 skips it)
  --no-embedded         skip the embedded-mode figures
  --no-pop3             skip the POP3 figure
  --no-migration        skip the migration figure (the first mailbox copied into another account by a migration batch)
  --no-interleave       run the SMTP ingest repetitions side after side instead of alternating them
  --profile=DIR         our service processes write V8 CPU profiles under DIR (summarise: node bench/profile-summary.mjs DIR)
  --skip-imap           skip the IMAP mailbox figures (profiling the SMTP path)
  --trace-messages=N    message trace search figures with N recorded messages (default 1000000; 0 skips)
  --session-mix=N       IMAP session mix on an N-message mailbox, 10 clients (default 100; 0 skips)
  --database-url=URL    PostgreSQL admin URL (default $BENCH_DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres)
  --nats-url=URL        NATS (default $BENCH_NATS_URL or nats://127.0.0.1:4222)`;

export function parseOptions(argv) {
  const o = {
    reps: 3,
    messages: 5000,
    connections: 16,
    warmup: 1000,
    recipients: 16,
    mailbox: [10000],
    idleConnections: 2000,
    embedded: true,
    pop3: true,
    migration: true,
    interleave: true,
    pop3Messages: 1000,
    traceMessages: 1_000_000,
    sessionMix: 100,
    only: null,
    stallMs: 30_000,
    databaseUrl: process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    natsUrl: process.env.BENCH_NATS_URL ?? process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222',
  };
  const explicit = {};
  for (const arg of argv) {
    const [k, v] = arg.replace(/^--/, '').split('=');
    const num = () => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new Error(`--${k} needs a whole number`);
      return n;
    };
    switch (k) {
      case 'help': case 'h': o.help = true; break;
      case 'quick': o.quick = true; break;
      case 'only':
        if (!['platform', 'anchor', 'embedded'].includes(v)) throw new Error('--only=platform, --only=anchor or --only=embedded');
        o.only = v;
        break;
      case 'reps': explicit.reps = Math.max(1, num()); break;
      case 'messages': explicit.messages = Math.max(1, num()); break;
      case 'connections': explicit.connections = Math.max(1, num()); break;
      case 'warmup': explicit.warmup = num(); break;
      case 'mailbox': explicit.mailbox = v.split(',').filter(Boolean).map(Number).filter((n) => Number.isInteger(n) && n >= 1000); break;
      case 'idle': explicit.idleConnections = num(); break;
      case 'one-mailbox': explicit.oneMailbox = num(); break;
      case 'no-embedded': o.embedded = false; break;
      case 'no-pop3': o.pop3 = false; break;
      case 'no-interleave': o.interleave = false; break;
      case 'database-url': o.databaseUrl = v; break;
      case 'nats-url': o.natsUrl = v; break;
      case 'results-dir': o.resultsDir = v; break;
      case 'profile': o.profile = v || 'bench/results/profiles'; break;
      case 'no-migration': o.migration = false; break;
      case 'skip-imap': explicit.mailbox = []; break;
      case 'trace-messages': explicit.traceMessages = num(); break;
      case 'session-mix': explicit.sessionMix = num(); break;
      default: throw new Error(`unknown option ${arg}\n${USAGE}`);
    }
  }
  if (o.quick) Object.assign(o, { reps: 1, messages: 300, connections: 4, warmup: 0, recipients: 4, mailbox: [1000], idleConnections: 100, pop3Messages: 200, stallMs: 20_000, traceMessages: 20_000 });
  Object.assign(o, explicit);
  o.oneMailbox ??= o.messages;
  return o;
}
