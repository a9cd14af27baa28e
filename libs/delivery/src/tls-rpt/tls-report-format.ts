import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';

/**
 * RFC 8460 (SMTP TLS Reporting), the pure parts: the `_smtp._tls` TXT record, the aggregate JSON
 * report (§4), and the mail that carries it gzipped (§5.3). No I/O, no clock.
 */

/** `v=TLSRPTv1; rua=mailto:a@b.example,https://…` → the mailto addresses; null when not a TLSRPTv1 record. */
export function parseTlsRptRecord(txt: string): { mailto: string[]; https: string[] } | null {
  if (txt.length > 4096) return null;
  const fields = txt.split(';').map((f) => f.trim()).filter(Boolean);
  if (!fields.length || !/^v\s*=\s*TLSRPTv1$/i.test(fields[0])) return null;
  const rua = fields.find((f) => /^rua\s*=/i.test(f));
  if (!rua) return null;
  const mailto: string[] = [];
  const https: string[] = [];
  for (const raw of rua.replace(/^rua\s*=\s*/i, '').split(',').map((u) => u.trim())) {
    const m = /^mailto:([^@\s,;<>"]{1,64}@[A-Za-z0-9.-]{1,253})$/i.exec(raw);
    if (m) {
      const address = safeDecode(m[1]);
      if (address && !/[\s<>",;]/.test(address)) mailto.push(address);
    }
    else if (/^https:\/\/\S+$/i.test(raw)) https.push(raw);
  }
  return mailto.length || https.length ? { mailto, https } : null;
}

function safeDecode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/** The records of one `_smtp._tls` lookup (each TXT answer's strings joined): the first usable one. */
export function tlsRptDestinations(answers: string[][]): { mailto: string[]; https: string[] } | null {
  // RFC 8460 §3: more than one TLSRPTv1 record means none applies
  const parsed = answers.map((chunks) => parseTlsRptRecord(chunks.join(''))).filter((x) => x !== null);
  return parsed.length === 1 ? parsed[0] : null;
}

/** Sessions toward one policy domain in one reporting window, as recorded (one row per kind of outcome). */
export interface TlsSessionCount {
  policyType: 'sts' | 'no-policy-found';
  /** the MTA-STS policy text lines (sts only) */
  policyString?: string[];
  /** MX patterns of the policy (sts only) */
  mxHost?: string[];
  /** '' for successful sessions, else the RFC 8460 §4.3 result type */
  resultType: string;
  receivingMxHostname?: string;
  receivingIp?: string;
  sessions: number;
}

export interface TlsReportInput {
  organization: string;
  contact: string;
  policyDomain: string;
  start: Date;
  end: Date;
  rows: TlsSessionCount[];
  reportId?: string;
}

/** The RFC 8460 §4.4 JSON object for one policy domain and one window. */
export function buildTlsReport(input: TlsReportInput): Record<string, unknown> {
  const byPolicy = new Map<string, TlsSessionCount[]>();
  for (const r of input.rows) {
    const k = `${r.policyType}\n${(r.policyString ?? []).join('\n')}`;
    byPolicy.set(k, [...(byPolicy.get(k) ?? []), r]);
  }
  const policies = [...byPolicy.values()].map((rows) => {
    const first = rows[0];
    const ok = rows.filter((r) => !r.resultType).reduce((a, r) => a + r.sessions, 0);
    const failed = rows.filter((r) => r.resultType);
    const policy: Record<string, unknown> = { 'policy-type': first.policyType, 'policy-domain': input.policyDomain };
    if (first.policyType === 'sts') {
      policy['policy-string'] = first.policyString ?? [];
      if (first.mxHost?.length) policy['mx-host'] = first.mxHost;
    }
    const out: Record<string, unknown> = {
      policy,
      summary: { 'total-successful-session-count': ok, 'total-failure-session-count': failed.reduce((a, r) => a + r.sessions, 0) },
    };
    if (failed.length) {
      out['failure-details'] = failed.map((r) => ({
        'result-type': r.resultType,
        ...(r.receivingMxHostname ? { 'receiving-mx-hostname': r.receivingMxHostname } : {}),
        ...(r.receivingIp ? { 'receiving-ip': r.receivingIp } : {}),
        'failed-session-count': r.sessions,
      }));
    }
    return out;
  });
  return {
    'organization-name': input.organization,
    'date-range': { 'start-datetime': isoSeconds(input.start), 'end-datetime': isoSeconds(new Date(input.end.getTime() - 1000)) },
    'contact-info': input.contact,
    'report-id': input.reportId ?? `${isoSeconds(input.start)}_${input.policyDomain}_${randomUUID()}`,
    policies,
  };
}

const isoSeconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * The report as mail (RFC 8460 §5.3): multipart/report; report-type="tlsrpt", a short text part
 * and the JSON gzipped as application/tlsrpt+gzip, named submitter!policy-domain!begin!end.json.gz,
 * with the TLS-Report-Domain and TLS-Report-Submitter fields and the subject §5.3 prescribes.
 */
export function tlsReportMessage(opts: { from: string; to: string[]; submitter: string; policyDomain: string; report: Record<string, unknown>; start: Date; end: Date; messageId: string; date: Date }): Buffer {
  const json = Buffer.from(JSON.stringify(opts.report));
  const gz = gzipSync(json);
  const id = String(opts.report['report-id']);
  const boundary = `tlsrpt-${randomUUID()}`;
  const name = `${opts.submitter}!${opts.policyDomain}!${Math.floor(opts.start.getTime() / 1000)}!${Math.floor(opts.end.getTime() / 1000)}.json.gz`;
  const base64 = gz.toString('base64').replace(/.{1,76}/g, (l) => `${l}\r\n`);
  const text = [
    `From: ${opts.from}`,
    `To: ${opts.to.join(', ')}`,
    `Subject: Report Domain: ${opts.policyDomain} Submitter: ${opts.submitter} Report-ID: <${id}>`,
    `Date: ${opts.date.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: ${opts.messageId}`,
    `TLS-Report-Domain: ${opts.policyDomain}`,
    `TLS-Report-Submitter: ${opts.submitter}`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type="tlsrpt"; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=us-ascii',
    '',
    `This is an aggregate TLS report (RFC 8460) from ${opts.submitter} for ${opts.policyDomain}.`,
    '',
    `--${boundary}`,
    `Content-Type: application/tlsrpt+gzip; name="${name}"`,
    'Content-Transfer-Encoding: base64',
    `Content-Disposition: attachment; filename="${name}"`,
    '',
    base64.replace(/\r\n$/, ''),
    `--${boundary}--`,
    '',
  ].join('\r\n');
  return Buffer.from(text);
}

/** MTA-STS policy as the report's policy-string (RFC 8460 §4.4: the policy's lines). */
export function stsPolicyString(p: { mode: string; mx: string[]; maxAgeSeconds: number }): string[] {
  return ['version: STSv1', `mode: ${p.mode}`, ...p.mx.map((m) => `mx: ${m}`), `max_age: ${p.maxAgeSeconds}`];
}
