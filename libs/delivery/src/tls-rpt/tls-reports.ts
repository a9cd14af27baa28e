import { newBlobKey, type BlobStore } from '@mail/blob';
import { PeriodicJob, type Database } from '@mail/db';
import type { DnsResolver } from '@mail/dns';
import type { Logger } from '@mail/telemetry';
import type { TlsResult } from '../mta-sts/tls-report.js';
import type { QueueService } from '../queue.service.js';
import { buildTlsReport, tlsReportMessage, tlsRptDestinations, type TlsSessionCount } from './tls-report-format.js';

export interface TlsReportSettings {
  hostname: string;
  /** the reporting window (RFC 8460 §4.1: a UTC day, 86,400 s) */
  periodSeconds: number;
  organization: string;
  contact: string;
}

interface Counted extends TlsSessionCount {
  windowStart: number;
  policyDomain: string;
}

/** windows reported per run, so one run stays short whatever the backlog */
const BATCH = 200;
/** recorded results and report marks are kept this long after their window */
const KEEP_MS = 8 * 86_400_000;

/**
 * TLS-RPT aggregate reports (RFC 8460), sent by mail to the `rua` of each destination domain's
 * `_smtp._tls` record. Every outbound TLS outcome is counted in memory per window, policy domain
 * and outcome, and flushed by an additive upsert, so all delivery replicas add to the same rows.
 * Once a window has ended (and every replica has flushed), one replica claims each (window,
 * domain) by inserting the sent-mark, looks the record up through the platform's resolver, and
 * queues the report like any message the platform makes (null sender: a report is never bounced
 * back into a loop). https `rua` destinations are not posted to (only mailto).
 */
export class TlsReports {
  private pending = new Map<string, Counted>();
  private readonly job: PeriodicJob;
  private readonly periodMs: number;
  private readonly tickMs: number;

  constructor(
    private readonly db: Database,
    private readonly settings: TlsReportSettings,
    private readonly resolve: DnsResolver,
    private readonly queue: Pick<QueueService, 'enqueue'>,
    private readonly blobs: BlobStore,
    private readonly logger: Logger,
  ) {
    this.periodMs = settings.periodSeconds * 1000;
    this.tickMs = Math.max(200, Math.min(60_000, Math.floor(this.periodMs / 4)));
    this.job = new PeriodicJob(async () => void (await this.run()), (err) => this.logger.warn({ err: String(err) }, 'TLS report run failed'));
  }

  /** one outbound TLS outcome (OutboundSmtp's reportTls) */
  record(r: TlsResult, now = Date.now()): void {
    const windowStart = Math.floor(now / this.periodMs) * this.periodMs;
    const row: Counted = {
      windowStart,
      policyDomain: r.domain.toLowerCase(),
      policyType: r.policy,
      policyString: r.policyString,
      mxHost: r.mxHost,
      resultType: r.result === 'success' ? '' : (r.resultType ?? 'validation-failure'),
      receivingMxHostname: r.result === 'success' ? undefined : r.mx,
      receivingIp: r.result === 'success' ? undefined : r.address,
      sessions: 0,
    };
    const key = [row.windowStart, row.policyDomain, row.policyType, row.resultType, row.receivingMxHostname ?? '', row.receivingIp ?? ''].join('\n');
    const seen = this.pending.get(key) ?? row;
    seen.sessions++;
    this.pending.set(key, seen);
  }

  start(): void {
    this.job.start(this.tickMs);
  }

  async stop(): Promise<void> {
    await this.job.stop();
    await this.flush().catch(() => undefined);
  }

  /** Adds the counts held in memory to the table. */
  async flush(): Promise<void> {
    if (!this.pending.size) return;
    const rows = [...this.pending.values()];
    this.pending = new Map();
    await this.db.query(
      `INSERT INTO queue.tls_results (window_start, policy_domain, policy_type, result_type, receiving_mx, receiving_ip, policy_string, mx_host, sessions)
       SELECT to_timestamp(w / 1000.0), d, pt, rt, mx, ip, ps::jsonb, mh::jsonb, n
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[]) AS t(w, d, pt, rt, mx, ip, ps, mh, n)
       ON CONFLICT (window_start, policy_domain, policy_type, result_type, receiving_mx, receiving_ip)
       DO UPDATE SET sessions = queue.tls_results.sessions + EXCLUDED.sessions, policy_string = EXCLUDED.policy_string, mx_host = EXCLUDED.mx_host`,
      [
        rows.map((r) => r.windowStart),
        rows.map((r) => r.policyDomain),
        rows.map((r) => r.policyType),
        rows.map((r) => r.resultType),
        rows.map((r) => r.receivingMxHostname ?? ''),
        rows.map((r) => r.receivingIp ?? ''),
        rows.map((r) => (r.policyString ? JSON.stringify(r.policyString) : null)),
        rows.map((r) => (r.mxHost ? JSON.stringify(r.mxHost) : null)),
        rows.map((r) => r.sessions),
      ],
    );
  }

  /** One run: flush, then report every ended window not reported yet. Returns the reports queued. */
  async run(now = Date.now()): Promise<number> {
    await this.flush();
    // a window is reported once every replica has flushed into it (two ticks after its end)
    const endedBefore = now - this.periodMs - 2 * this.tickMs;
    const { rows: due } = await this.db.query<{ window_start: Date; policy_domain: string }>(
      `SELECT DISTINCT r.window_start, r.policy_domain FROM queue.tls_results r
       WHERE r.window_start <= to_timestamp($1 / 1000.0)
         AND NOT EXISTS (SELECT 1 FROM queue.tls_reports_sent s WHERE s.window_start = r.window_start AND s.policy_domain = r.policy_domain)
       ORDER BY r.window_start LIMIT ${BATCH}`,
      [endedBefore],
    );
    let sent = 0;
    for (const d of due) if (await this.report(new Date(d.window_start), d.policy_domain)) sent++;
    await this.db.query('DELETE FROM queue.tls_results WHERE window_start < to_timestamp($1 / 1000.0)', [now - KEEP_MS]);
    await this.db.query('DELETE FROM queue.tls_reports_sent WHERE window_start < to_timestamp($1 / 1000.0)', [now - KEEP_MS]);
    return sent;
  }

  private async report(start: Date, domain: string): Promise<boolean> {
    // the claim: the replica whose insert wins sends; a failed send is not retried (reports are best effort)
    const claim = await this.db.query(
      `INSERT INTO queue.tls_reports_sent (window_start, policy_domain, outcome) VALUES ($1, $2, 'claimed') ON CONFLICT DO NOTHING RETURNING policy_domain`,
      [start, domain],
    );
    if (!claim.rowCount) return false;
    const mark = (outcome: string) => this.db.query('UPDATE queue.tls_reports_sent SET outcome = $3 WHERE window_start = $1 AND policy_domain = $2', [start, domain, outcome]);
    let answers: string[][];
    try {
      answers = (await this.resolve(`_smtp._tls.${domain}`, 'TXT')) as string[][];
    } catch {
      await mark('no-record');
      return false;
    }
    const to = tlsRptDestinations(answers)?.mailto ?? [];
    if (!to.length) {
      await mark('no-record');
      return false;
    }
    const { rows } = await this.db.query<{ policy_type: 'sts' | 'no-policy-found'; result_type: string; receiving_mx: string; receiving_ip: string; policy_string: string[] | null; mx_host: string[] | null; sessions: string }>(
      `SELECT policy_type, result_type, receiving_mx, receiving_ip, policy_string, mx_host, sessions FROM queue.tls_results
       WHERE window_start = $1 AND policy_domain = $2 ORDER BY policy_type, result_type, receiving_mx, receiving_ip`,
      [start, domain],
    );
    const end = new Date(start.getTime() + this.periodMs);
    const report = buildTlsReport({
      organization: this.settings.organization,
      contact: this.settings.contact,
      policyDomain: domain,
      start,
      end,
      rows: rows.map((r) => ({
        policyType: r.policy_type,
        policyString: r.policy_string ?? undefined,
        mxHost: r.mx_host ?? undefined,
        resultType: r.result_type,
        receivingMxHostname: r.receiving_mx || undefined,
        receivingIp: r.receiving_ip || undefined,
        sessions: Number(r.sessions),
      })),
    });
    const raw = tlsReportMessage({
      from: `noreply-tlsrpt@${this.settings.hostname}`,
      to,
      submitter: this.settings.hostname,
      policyDomain: domain,
      report,
      start,
      end,
      messageId: `<${String(report['report-id']).replace(/[^A-Za-z0-9._-]/g, '.')}@${this.settings.hostname}>`,
      date: new Date(),
    });
    const key = newBlobKey();
    await this.blobs.put(key, raw);
    const { queueId } = await this.queue.enqueue({ blobKey: key, size: raw.length, mailFrom: '', recipients: to, receivedAt: new Date().toISOString(), subject: `TLS report for ${domain}`, source: { protocol: 'local' } });
    await mark('sent');
    this.logger.info({ domain, window: start.toISOString(), to, queueId }, 'TLS report queued');
    return true;
  }
}
