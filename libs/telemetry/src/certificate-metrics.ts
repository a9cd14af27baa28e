import { metrics } from '@opentelemetry/api';
import { X509Certificate } from 'node:crypto';

/** the certificate the listeners switched to after a reload (ADR 0026); the process serves one certificate */
let renewed: string | undefined;

/** The listeners now serve a renewed certificate (watchTlsFiles' onChange): the gauge reports it from the next scrape. */
export function servedCertificateRenewed(cert: string): void {
  renewed = cert;
}

/**
 * The served certificate's notAfter as a Unix timestamp, so an alert can fire weeks before it
 * expires (MailCertificateExpiringSoon). `current` (the certificate loaded at start) is read at
 * every scrape, unless the listeners have since been given a renewed one
 * (`servedCertificateRenewed`). `selfSigned` marks the development fallback.
 */
export function registerCertificateExpiry(current: () => { cert: string; selfSigned: boolean } | undefined): () => void {
  renewed = undefined;
  const gauge = metrics.getMeter('tls').createObservableGauge('mail_tls_certificate_not_after_seconds', {
    description: 'notAfter of the served TLS certificate (leaf), Unix seconds',
    unit: 's',
  });
  const callback = (r: { observe(v: number, attrs?: Record<string, string>): void }) => {
    const loaded = current();
    const tls = renewed !== undefined ? { cert: renewed, selfSigned: false } : loaded;
    const notAfter = tls ? certificateNotAfter(tls.cert) : undefined;
    if (notAfter === undefined || !tls) return;
    r.observe(notAfter, { self_signed: String(tls.selfSigned) });
  };
  gauge.addCallback(callback);
  return () => gauge.removeCallback(callback);
}

/** notAfter of the first (leaf) certificate of a PEM chain in Unix seconds; undefined if unreadable. */
export function certificateNotAfter(pem: string): number | undefined {
  const first = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
  if (!first) return undefined;
  try {
    const ms = Date.parse(new X509Certificate(first).validTo);
    return Number.isFinite(ms) ? Math.floor(ms / 1000) : undefined;
  } catch {
    return undefined;
  }
}
