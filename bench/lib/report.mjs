// The side-by-side table (console and Markdown) and the JSON record of a run.
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { spread } from './stats.mjs';

/** Rows of the table: which figure, its unit, which direction is better, where each column comes from. */
export function figureRows(mailboxSizes, pop3Messages = 1000, traceMessages = 0) {
  const rows = [
    { key: 'smtp.rate', label: 'SMTP ingest', unit: 'msg/s', better: 'higher' },
    { key: 'smtp.p50', label: 'SMTP ingest latency p50', unit: 'ms', better: 'lower' },
    { key: 'smtp.p99', label: 'SMTP ingest latency p99', unit: 'ms', better: 'lower' },
    // ours verifies SPF, DKIM, ARC and DMARC of signed mail; the anchor's default configuration verifies nothing, so its plain ingest is the comparison
    { key: 'smtpauth.rate', anchorKey: 'smtp.rate', label: 'SMTP ingest, SPF+DKIM+DMARC verified (anchor: default config)', unit: 'msg/s', better: 'higher' },
    { key: 'smtpauth.p99', anchorKey: 'smtp.p99', label: 'SMTP ingest verified, latency p99', unit: 'ms', better: 'lower' },
    { key: 'e2e.rate', label: 'End to end (send → visible in IMAP)', unit: 'msg/s', better: 'higher' },
    { key: 'e2e.p50', label: 'End to end latency p50', unit: 'ms', better: 'lower' },
    { key: 'e2e.p99', label: 'End to end latency p99', unit: 'ms', better: 'lower' },
    ...oneMailboxRows(),
  ];
  for (const m of mailboxSizes) {
    const k = (f) => `imap${m}.${f}`;
    const n = m.toLocaleString('en-US');
    rows.push(
      { key: k('loginSelect'), label: `IMAP ${n}: LOGIN + SELECT`, unit: 'ms', better: 'lower' },
      { key: k('fetchEnvelopeAll'), label: `IMAP ${n}: UID FETCH 1:* (… ENVELOPE)`, unit: 'ms', better: 'lower' },
      { key: k('fetchBody1000'), label: `IMAP ${n}: UID FETCH BODY.PEEK[] ×1,000`, unit: 'ms', better: 'lower' },
      { key: k('searchSubject'), label: `IMAP ${n}: UID SEARCH SUBJECT`, unit: 'ms', better: 'lower' },
      { key: k('searchBody'), label: `IMAP ${n}: UID SEARCH BODY`, unit: 'ms', better: 'lower' },
      { key: k('store1000'), label: `IMAP ${n}: UID STORE +FLAGS ×1,000`, unit: 'ms', better: 'lower' },
      { key: k('append1000'), label: `IMAP ${n}: APPEND ×1,000`, unit: 'ms', better: 'lower' },
    );
  }
  // the session mix (issue 14): 10 clients, a small mailbox; LOGIN per session and logged in
  for (const [key, what] of [['mix.sessions', 'LOGIN per session'], ['mix.loggedIn', 'sessions logged in']]) {
    rows.push({ key: `${key}.commandsPerSec`, label: `IMAP session mix, ${what}: commands/s (10 clients)`, unit: 'cmd/s', better: 'higher' });
    rows.push({ key: `${key}.cpuPerCommand`, label: `IMAP session mix, ${what}: server CPU per command (all processes)`, unit: 'ms', better: 'lower' });
    for (const name of ['LOGIN', 'SELECT', 'FETCH', 'STORE', 'APPEND', 'EXPUNGE']) {
      if (key === 'mix.loggedIn' && name === 'LOGIN') continue;
      rows.push({ key: `${key}.${name}`, label: `IMAP session mix, ${what}: ${name} mean latency`, unit: 'ms', better: 'lower' });
    }
  }
  if (mailboxSizes[0]) {
    const n = mailboxSizes[0].toLocaleString('en-US');
    // no anchor column: the anchor side has no migration tool driven by the bench (bench/README.md)
    rows.push(
      { key: 'migration.rate', label: `Migration: ${n}-message folder copied over IMAP (platform → platform)`, unit: 'msg/s', better: 'higher' },
      { key: 'cpu.migration.machine', label: 'Migration: machine CPU per message (source and target)', unit: 'ms', better: 'lower' },
    );
  }
  rows.push(
    { key: 'pop3.listRetr', label: `POP3 LIST + RETR ×${pop3Messages.toLocaleString('en-US')}`, unit: 'ms', better: 'lower' },
    ...(traceMessages
      ? [
          ['sender', 'by sender'],
          ['messageId', 'by Message-ID'],
          ['senderDomain', 'by sender domain (*@domain)'],
          ['recipient', 'by recipient'],
        ].map(([k, what]) => ({ key: `trace.${k}`, label: `Message trace ${traceMessages.toLocaleString('en-US')}: search ${what}`, unit: 'ms', better: 'lower' }))
      : []),
    { key: 'mem.pssPerConnection', label: 'Memory per idle IMAP connection (PSS)', unit: 'KiB', better: 'lower', scale: 1 / 1024 },
  );
  const MiB = 1 / 2 ** 20;
  rows.push(
    { key: 'smtp.rate', label: 'Embedded: SMTP ingest', unit: 'msg/s', better: 'higher', from: 'embedded' },
    { key: 'smtp.p99', label: 'Embedded: SMTP ingest latency p99', unit: 'ms', better: 'lower', from: 'embedded' },
    ...oneMailboxRows('embedded'),
    // one start per run (fresh DATA_DIR); targets of issue 17: ≤ 250, ≤ 150, ≤ 400 MiB
    { key: 'start.ready', label: 'Embedded: start on an empty DATA_DIR to /readyz', unit: 'ms', better: 'lower', from: 'embedded' },
    { key: 'start.cpu', label: 'Embedded: CPU time of that start', unit: 'ms', better: 'lower', from: 'embedded' },
    { key: 'mem.startPeak', label: 'Embedded: peak RSS during start and 10 s idle (VmHWM)', unit: 'MiB', better: 'lower', from: 'embedded', scale: MiB },
    { key: 'mem.idle', label: 'Embedded: RSS idle after start (+10 s)', unit: 'MiB', better: 'lower', from: 'embedded', scale: MiB },
    { key: 'mem.afterIngest', label: 'Embedded: RSS after the ingest', unit: 'MiB', better: 'lower', from: 'embedded', scale: MiB },
  );
  const m0 = mailboxSizes[0];
  if (m0) {
    rows.push(
      { key: `imap${m0}.fetchEnvelopeAll`, label: `Embedded: IMAP ${m0.toLocaleString('en-US')}: UID FETCH 1:* (… ENVELOPE)`, unit: 'ms', better: 'lower', from: 'embedded' },
      { key: `imap${m0}.fetchBody1000`, label: `Embedded: IMAP ${m0.toLocaleString('en-US')}: UID FETCH BODY.PEEK[] ×1,000`, unit: 'ms', better: 'lower', from: 'embedded' },
      { key: 'migration.rate', label: `Embedded: migration of a ${m0.toLocaleString('en-US')}-message folder`, unit: 'msg/s', better: 'higher', from: 'embedded' },
      { key: 'cpu.migration.machine', label: 'Embedded: migration, machine CPU per message', unit: 'ms', better: 'lower', from: 'embedded' },
    );
  }
  return rows;
}

/** The one-mailbox ingest (ADR 0043): every message to one account, 16 connections. */
function oneMailboxRows(from) {
  const rows = [
    { key: 'smtpone.rate', label: 'One mailbox: SMTP ingest', unit: 'msg/s', better: 'higher' },
    { key: 'smtpone.p99', label: 'One mailbox: SMTP ingest latency p99', unit: 'ms', better: 'lower' },
    { key: 'smtpone.e2e.rate', label: 'One mailbox: end to end (visible in IMAP)', unit: 'msg/s', better: 'higher' },
    { key: 'smtpone.e2e.p99', label: 'One mailbox: end to end latency p99', unit: 'ms', better: 'lower' },
  ];
  return from ? rows.map((r) => ({ ...r, label: `Embedded: ${r.label}`, from })) : rows;
}

function fmt(x) {
  if (x === undefined || x === null || !Number.isFinite(x)) return '—';
  if (Math.abs(x) >= 100) return Math.round(x).toLocaleString('en-US');
  if (Math.abs(x) >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

function cell(s) {
  return s ? `${fmt(s.min)} / ${fmt(s.median)} / ${fmt(s.max)}` : '—';
}

/** results: { platform: {key: [values]}, anchor: {...}, embedded: {...} } → table rows with spreads and ratio */
export function buildTable(rows, results) {
  return rows.map((r) => {
    const scale = r.scale ?? 1;
    const ours = spread((results[r.from ?? 'platform']?.[r.key] ?? []).map((v) => v * scale));
    const anchor = spread((results.anchor?.[r.anchorKey ?? r.key] ?? []).map((v) => v * scale));
    const ratio = ours && anchor && anchor.median ? ours.median / anchor.median : null;
    let verdict = '';
    if (ratio !== null) verdict = (r.better === 'higher' ? ratio >= 1 : ratio <= 1) ? 'ahead' : 'behind';
    return { ...r, ours, anchor, ratio, verdict };
  });
}

export function renderText(table, ourLabel = 'platform') {
  const head = ['figure', 'unit', `${ourLabel} min/med/max`, 'anchor min/med/max', 'ratio', 'better', ''];
  const lines = table.map((t) => [t.label, t.unit, cell(t.ours), cell(t.anchor), t.ratio === null ? '—' : `${t.ratio.toFixed(2)}×`, t.better, t.verdict]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const row = (l) => l.map((c, i) => (i >= 2 && i <= 4 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  return [row(head), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(row)].join('\n');
}

export function renderMarkdown(table, meta) {
  const out = [
    `# Bench run ${meta.startedAt}`,
    '',
    `Machine: ${meta.machine.cpus} × ${meta.machine.cpuModel}, ${meta.machine.memoryGiB} GiB; ${meta.machine.os}. Node ${meta.versions.node}, Postfix ${meta.versions.postfix ?? '—'}, Dovecot ${meta.versions.dovecot ?? '—'}.`,
    `Options: ${JSON.stringify(meta.options)}`,
    '',
    'Each cell is min / median / max over the repetitions. Ratio = this platform ÷ anchor (medians).',
    '',
    '| figure | unit | this platform | Postfix + Dovecot | ratio | better | |',
    '|---|---|---:|---:|---:|---|---|',
    ...table.map((t) => `| ${t.label} | ${t.unit} | ${cell(t.ours)} | ${cell(t.anchor)} | ${t.ratio === null ? '—' : `${t.ratio.toFixed(2)}×`} | ${t.better} | ${t.verdict} |`),
    '',
  ];
  if (meta.notes.length) out.push('## Notes', '', ...meta.notes.map((n) => `- ${n}`), '');
  return out.join('\n');
}

export function writeResults(dir, meta, table, results) {
  mkdirSync(dir, { recursive: true });
  const stamp = meta.startedAt.replace(/[:.]/g, '-');
  const json = join(dir, `${stamp}.json`);
  const md = join(dir, `${stamp}.md`);
  writeFileSync(json, JSON.stringify({ ...meta, table, raw: results }, null, 2));
  writeFileSync(md, renderMarkdown(table, meta));
  return { json, md };
}
