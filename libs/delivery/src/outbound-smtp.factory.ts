import { createDnsResolver } from '@mail/dns';
import type { Logger } from '@mail/telemetry';
import type { DeliveryConfig } from './delivery.config.js';
import { MtaStsPolicies } from './mta-sts/mta-sts-policies.js';
import { tlsReporter } from './mta-sts/tls-report.js';
import { mxResolver } from './mx-route.js';
import { OutboundSmtp } from './outbound-smtp.js';
import type { TlsReports } from './tls-rpt/tls-reports.js';

/** The outbound sender with the platform's resolver (DNS_SERVERS; answers reused for a minute) and MTA-STS. */
export function outboundSmtp(config: DeliveryConfig, logger: Logger, tlsReports?: TlsReports): OutboundSmtp {
  const resolve = createDnsResolver({ servers: config.dnsServers, cacheTtlMs: 60_000 });
  return new OutboundSmtp({
    hostname: config.hostname,
    relayHost: config.relayHost,
    port: config.outboundPort,
    connectTimeoutMs: config.smtpTimeouts?.connectMs,
    socketTimeoutMs: config.smtpTimeouts?.socketMs,
    resolveMx: config.resolveMx ?? mxResolver(resolve),
    resolve,
    mtaSts: config.mtaSts === false ? undefined : new MtaStsPolicies({ resolver: resolve, port: config.mtaStsPort, extraCa: config.extraCa }),
    extraCa: config.extraCa,
    perDomainConcurrency: config.perDomainConcurrency,
    reportTls: tlsReporter(logger, tlsReports ? (r) => tlsReports.record(r) : undefined),
  });
}
