import type { Migration } from '@mail/db';

/**
 * TLS-RPT (RFC 8460, ADR 0041's sibling in ADR 0040): outbound TLS sessions counted per reporting
 * window, policy domain and outcome, by every delivery replica into one table (each flushes its
 * in-memory counts with an additive upsert), and which windows were reported, so that one replica
 * sends each domain's report once.
 */
export const m006TlsReportResults: Migration = {
  id: '006-tls-report-results',
  sql: `
CREATE TABLE queue.tls_results (
  window_start timestamptz NOT NULL,
  policy_domain text NOT NULL,
  policy_type text NOT NULL CHECK (policy_type IN ('sts', 'no-policy-found')),
  -- '' for successful sessions, else the RFC 8460 result type
  result_type text NOT NULL,
  receiving_mx text NOT NULL DEFAULT '',
  receiving_ip text NOT NULL DEFAULT '',
  policy_string jsonb,
  mx_host jsonb,
  sessions bigint NOT NULL,
  PRIMARY KEY (window_start, policy_domain, policy_type, result_type, receiving_mx, receiving_ip)
);
CREATE TABLE queue.tls_reports_sent (
  window_start timestamptz NOT NULL,
  policy_domain text NOT NULL,
  sent_at timestamptz NOT NULL DEFAULT now(),
  outcome text NOT NULL,
  PRIMARY KEY (window_start, policy_domain)
);
`,
};
