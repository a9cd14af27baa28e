import { metrics, type Counter } from '@opentelemetry/api';
import type { Logger } from '@mail/telemetry';

/**
 * One TLS outcome toward a recipient domain, in the terms of RFC 8460 (TLS-RPT): the policy that
 * applied and, for a failure, its result type. Recorded as a metric and a log line; sending the
 * aggregate reports to the domains' `rua` is `TlsReports`' job (tls-rpt/, ADR 0040).
 */
export interface TlsResult {
  domain: string;
  policy: 'sts' | 'no-policy-found';
  result: 'success' | 'failure';
  /** RFC 8460 §4.3 result type of a failure */
  resultType?: string;
  mx?: string;
  address?: string;
  detail?: string;
  /** the MTA-STS policy that applied, as report lines (TLS-RPT policy-string), and its mx patterns */
  policyString?: string[];
  mxHost?: string[];
}

let counter: Counter | undefined;

export function tlsReporter(logger: Logger, also?: (r: TlsResult) => void): (r: TlsResult) => void {
  counter ??= metrics.getMeter('delivery').createCounter('mail_delivery_tls_results_total', {
    description: 'Outbound TLS sessions and failures by policy (MTA-STS or none) and RFC 8460 result type: what TLS-RPT reports would say',
  });
  return (r) => {
    counter?.add(1, { policy: r.policy, result: r.result, result_type: r.resultType ?? 'none' });
    if (r.result === 'failure') logger.warn({ tls: r }, 'outbound TLS failure');
    also?.(r);
  };
}

/** The RFC 8460 result type of a failed STARTTLS or certificate check. */
export function tlsFailureType(message: string): string {
  if (/STARTTLS|not supported|does not support|requireTLS/i.test(message)) return 'starttls-not-supported';
  if (/altname|hostname|Host: .* is not in the cert/i.test(message)) return 'certificate-host-mismatch';
  if (/expired/i.test(message)) return 'certificate-expired';
  if (/self[- ]signed|unable to (get|verify)|untrusted|issuer/i.test(message)) return 'certificate-not-trusted';
  return 'validation-failure';
}
