// Every metric a Grafana dashboard panel or an alert rule queries is exported by some service of the
// running platform. Starts the distributed platform, drives the traffic that makes label-dependent
// series appear (accepted and refused mail, good and bad logins, a delivery), scrapes every
// service's /metrics and compares with the metric names parsed from the PromQL in
// deploy/grafana/dashboards/*.json and deploy/prometheus/alerts.yml.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it, test } from 'node:test';
import nodemailer from 'nodemailer';
import YAML from 'yaml';
import { Pop3TestClient, exposedMetricNames, mailctl, promqlMetricNames, serverTlsFromTestCa, startDistributedPlatform, type DistributedPlatform } from '@mail/testing';
import { sampleMessage } from './messages.js';
import { imapClient, waitForMessages } from './scenario.js';
import { csvFile, waitFor } from './migration-batch-scenario.js';

const databaseAdminUrl = process.env.TEST_DATABASE_URL;
const natsUrl = process.env.TEST_NATS_URL;
const root = resolve(__dirname, '..', '..', '..');

// Series Prometheus makes itself for every target or rule, not scraped from a service.
const SYNTHETIC = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_series_added', 'ALERTS', 'ALERTS_FOR_STATE']);
// Dashboards of third-party exporters (NATS, PostgreSQL) query the exporter's metrics, not ours.
const exporterDashboard = (dash: { tags?: string[] }) => (dash.tags ?? []).some((t) => t.startsWith('exporter:'));

interface Query {
  where: string;
  expr: string;
}

function dashboardQueries(): Query[] {
  const dir = join(root, 'deploy', 'grafana', 'dashboards');
  const out: Query[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const dash = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    if (exporterDashboard(dash)) continue;
    const walk = (panels: { title?: string; targets?: { expr?: string }[]; panels?: unknown[] }[] = []) => {
      for (const p of panels) {
        for (const t of p.targets ?? []) if (t.expr) out.push({ where: `${file} panel "${p.title}"`, expr: t.expr });
        walk(p.panels as never);
      }
    };
    walk(dash.panels);
    for (const v of dash.templating?.list ?? []) {
      const q = typeof v.query === 'string' ? v.query : v.query?.query;
      if (v.type === 'query' && q) out.push({ where: `${file} variable ${v.name}`, expr: q.replace(/^label_values\((.*),\s*\w+\)$/, '$1') });
    }
  }
  return out;
}

// Rules about PostgreSQL and NATS read their exporters' metrics (checked against the exporters'
// documented names by promtool's unit tests, not against our services).
const EXPORTER_RULE_GROUP = 'mail-infrastructure';
const EXPORTER_METRIC = /^(up|pg_\w+|gnatsd_\w+)$/;

function ruleQueries(): { queries: Query[]; recorded: Set<string> } {
  const doc = YAML.parse(readFileSync(join(root, 'deploy', 'prometheus', 'alerts.yml'), 'utf8'));
  const queries: Query[] = [];
  const recorded = new Set<string>();
  for (const g of doc.groups) {
    for (const r of g.rules) {
      if (r.record) recorded.add(r.record);
      if (g.name === EXPORTER_RULE_GROUP) {
        for (const n of promqlMetricNames(r.expr).names) assert.match(n, EXPORTER_METRIC, `${g.name}/${r.alert}: ${n} is not an exporter metric`);
        continue;
      }
      queries.push({ where: `alerts.yml ${g.name}/${r.alert ?? r.record}`, expr: r.expr });
    }
  }
  return { queries, recorded };
}

if (!databaseAdminUrl || !natsUrl) {
  test('dashboard metrics (distributed mode) need TEST_DATABASE_URL and TEST_NATS_URL', { skip: process.env.CI !== 'true' }, () => {
    throw new Error('CI=true: the distributed end-to-end tests are mandatory');
  });
} else {
  describe('dashboards and alerts query only metrics the services export (distributed mode)', { timeout: 180_000 }, () => {
    let p: DistributedPlatform;
    const exported = new Map<string, Set<string>>(); // metric -> services exporting it
    let pkiDir = '';

    before(async () => {
      // a certificate from a test CA the migration service trusts: a migration batch below copies
      // from the platform's own IMAP listener over verified STARTTLS (the migration-batch series)
      pkiDir = await mkdtemp(join(tmpdir(), 'metrics-pki-'));
      const tls = await serverTlsFromTestCa(pkiDir);
      // PROXY protocol on one listener (from an address no test client uses), so its metric is there
      p = await startDistributedPlatform({
        databaseAdminUrl,
        natsUrl,
        env: {
          PROXY_PROTOCOL_LISTENERS: 'pop3',
          PROXY_TRUSTED_CIDRS: '127.0.0.9/32',
          ...tls.env,
          REMOTE_TLS_CA_FILE: tls.pki.caFile,
          MIGRATION_BATCH_POLL_MS: '100',
        },
      });
      assert.equal((await mailctl(p, ['domain', 'add', 'metrics.test'])).code, 0);
      assert.equal((await mailctl(p, ['user', 'add', 'mia@metrics.test', '--password', 'correct horse battery'])).code, 0);

      const mx = nodemailer.createTransport({ host: p.host, port: p.ports.smtp, tls: { rejectUnauthorized: false } });
      const msg = sampleMessage({ from: 'x@remote.test', to: 'mia@metrics.test', subject: 'metrics' });
      await mx.sendMail({ envelope: { from: 'x@remote.test', to: ['mia@metrics.test'] }, raw: msg.raw });
      await assert.rejects(mx.sendMail({ envelope: { from: 'x@remote.test', to: ['nobody@metrics.test'] }, raw: msg.raw }));

      // An inbound partner connector that requires TLS: a plaintext message from the partner is
      // refused by it, a STARTTLS one accepted through it (the per-connector series).
      const added = await mailctl(p, ['connector', 'add', 'partner', '--direction', 'inbound', '--type', 'partner', '--sender-domains', 'partner.test', '--require-tls', 'true']);
      assert.equal(added.code, 0, added.stderr);
      const plain = nodemailer.createTransport({ host: p.host, port: p.ports.smtp, ignoreTLS: true });
      const partnerMail = { envelope: { from: 'x@partner.test', to: ['mia@metrics.test'] }, raw: msg.raw };
      const deadline = Date.now() + 20_000;
      for (;;) {
        // the connector reaches smtp-in by a change event (or its periodic reload): wait for the refusal
        const refused = await plain.sendMail(partnerMail).then(() => false, () => true);
        if (refused) break;
        if (Date.now() > deadline) throw new Error('smtp-in never applied the partner connector');
        await new Promise((r) => setTimeout(r, 250));
      }
      await mx.sendMail(partnerMail);

      const bad = imapClient(p, 'mia@metrics.test', 'wrong password');
      await assert.rejects(bad.connect());
      const client = imapClient(p, 'mia@metrics.test', 'correct horse battery');
      await client.connect();
      try {
        await waitForMessages(client, 2);
      } finally {
        await client.logout();
      }
      // mia's mailbox copied into another account by a migration batch, and a user whose old password is wrong (the error series)
      for (const u of ['moved', 'unmoved']) assert.equal((await mailctl(p, ['user', 'add', `${u}@metrics.test`, '--password', 'correct horse battery'])).code, 0);
      const csv = await csvFile([
        ['moved@metrics.test', 'mia@metrics.test', 'correct horse battery'],
        ['unmoved@metrics.test', 'mia@metrics.test', 'not her password'],
      ]);
      const created = await mailctl(p, ['migration', 'create', 'metrics', '--csv', csv, '--host', '127.0.0.1', '--port', String(p.ports.imap), '--tls', 'starttls']);
      assert.equal(created.code, 0, created.stderr);
      assert.equal((await mailctl(p, ['migration', 'start', 'metrics'])).code, 0);
      const synced = await waitFor(p, 'metrics', (s) => s.state === 'synced');
      assert.deepEqual(
        synced.users.map((u) => [u.emailAddress, u.state, u.messagesDone]),
        [
          ['moved@metrics.test', 'synced', 2],
          ['unmoved@metrics.test', 'failed', 0],
        ],
      );
      const pop = await Pop3TestClient.connect(p.host, p.ports.pop3);
      await pop.client.stls();
      await pop.client.command('USER mia@metrics.test');
      assert.match(await pop.client.command('PASS correct horse battery'), /^\+OK/);
      await pop.client.command('QUIT');
      // moved@ also fetches mia's mailbox as an external POP3 account (the fetch series), and an
      // account with a wrong password fails its run (the fetch error series)
      for (const [password, result] of [['correct horse battery', 'ok'], ['not her password', 'error']] as const) {
        const added = await mailctl(
          p,
          ['fetch', 'add', 'moved@metrics.test', '--protocol', 'pop3', '--host', '127.0.0.1', '--port', String(p.ports.pop3), '--tls', 'starttls', '--username', 'mia@metrics.test', '--password-stdin', '--interval', '1h', '--leave-on-server', '--json'],
          `${password}\n`,
        );
        assert.equal(added.code, 0, added.stderr);
        // `fetch add` runs the account at once in the background: wait for that first run to end
        const id = (JSON.parse(added.stdout) as { id: string }).id;
        let account: { lastRunAt: string | null; lastError: { kind: string } | null; messagesFetched: number } | undefined;
        for (const deadline = Date.now() + 60_000; !account?.lastRunAt && Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
          const shown = await mailctl(p, ['fetch', 'show', id, '--json']);
          account = (JSON.parse(shown.stdout) as { account: typeof account }).account;
        }
        assert.deepEqual([account?.lastError ? 'error' : 'ok', account?.messagesFetched], [result, result === 'ok' ? 2 : 0], JSON.stringify(account));
      }

      for (const svc of p.services) {
        const text = await (await fetch(`http://127.0.0.1:${svc.httpPort}/metrics`)).text();
        for (const name of exposedMetricNames(text)) exported.set(name, (exported.get(name) ?? new Set()).add(svc.name));
      }
    });
    after(async () => {
      await p?.close();
      if (pkiDir) await rm(pkiDir, { recursive: true, force: true });
    });

    it('every service exports its own metrics and the process metrics', () => {
      for (const svc of ['smtp-in', 'delivery', 'access', 'auth', 'store', 'admin-api']) {
        assert.ok(exported.get('process_resident_memory_bytes')?.has(svc), `${svc} exports no process_resident_memory_bytes`);
      }
      assert.ok(exported.get('mail_smtp_messages_accepted_total')?.has('smtp-in'));
      assert.ok(exported.get('mail_delivery_attempts_total')?.has('delivery'));
      assert.ok(exported.get('mail_auth_logins_total')?.has('auth'));
      // the access dashboard's gauges (issue 14), with the command counters and latency histograms
      for (const m of ['mail_imap_connections', 'mail_pop3_connections', 'mail_imap_commands_total', 'mail_pop3_commands_total', 'mail_imap_command_duration_seconds_bucket', 'mail_pop3_command_duration_seconds_bucket']) {
        assert.ok(exported.get(m)?.has('access'), `access exports no ${m}`);
      }
    });

    it('every metric a dashboard panel or alert rule queries is exported by some service', () => {
      const { queries, recorded } = ruleQueries();
      const all = [...dashboardQueries(), ...queries];
      assert.ok(all.length > 20, `only ${all.length} queries found`);
      const missing: string[] = [];
      for (const q of all) {
        const { names, unresolved } = promqlMetricNames(q.expr);
        assert.deepEqual(unresolved, [], `${q.where}: a __name__ regex cannot be checked`);
        assert.ok(names.size > 0 || /^\s*(vector|time)\(/.test(q.expr), `${q.where}: no metric in "${q.expr}"`);
        for (const n of names) if (!exported.has(n) && !SYNTHETIC.has(n) && !recorded.has(n)) missing.push(`${q.where}: ${n}`);
      }
      assert.deepEqual(missing, [], `queried but exported by no service (exported: ${[...exported.keys()].filter((k) => !k.endsWith('_bucket')).sort().join(', ')})`);
    });
  });
}
