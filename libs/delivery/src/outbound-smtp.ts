import type { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { DnsResolver } from '@mail/dns';
import { PermanentRouteError, parseRelayHost } from './mx-route.js';
import { addressesOf, mxHostsFor, type MxHost } from './mx/mx-hosts.js';
import { DestinationLimiter } from './mx/destination-limiter.js';
import type { MtaStsPolicies, StsPolicy } from './mta-sts/mta-sts-policies.js';
import { tlsFailureType, type TlsResult } from './mta-sts/tls-report.js';
import { stsPolicyString } from './tls-rpt/tls-report-format.js';
import { CONNECTION_FAILED, transferMessage, type SmtpFailure, type TransferOptions, type TransferOutcome } from './smtp-transfer.js';
import { SmtpConnectionPool } from './connectors/smtp-connection-pool.js';

export interface OutboundOutcome extends TransferOutcome {
  /** the host:port that answered (message trace) */
  remoteHost?: string;
  /** the outbound connector the message went through, by name (message trace) */
  connector?: string;
}

export interface OutboundOptions {
  hostname: string;
  relayHost?: string;
  port: number;
  connectTimeoutMs?: number;
  socketTimeoutMs?: number;
  resolveMx: (domain: string) => Promise<Array<{ exchange: string; priority: number }>>;
  /** A and AAAA of the MX hosts (the platform's resolver, DNS_SERVERS) */
  resolve: DnsResolver;
  /** MTA-STS policies; without it every destination gets opportunistic TLS */
  mtaSts?: MtaStsPolicies;
  /** PEM certificates trusted besides the system roots when a policy demands validated TLS */
  extraCa?: string[];
  /** concurrent deliveries to one recipient domain from this replica (default 10; 0: no limit) */
  perDomainConcurrency?: number;
  /** where TLS outcomes go (TLS-RPT material) */
  reportTls?: (r: TlsResult) => void;
}

/** One message for the recipients of one domain. */
interface Transaction {
  mailFrom: string;
  recipients: string[];
  body: () => Promise<Readable>;
  size: number;
  opts: TransferOptions;
}

/** One address to connect to: an MX host's IP, with the MX name for SNI and certificate checks. */
interface Hop {
  address: string;
  port: number;
  name: string;
  /** MTA-STS enforce: STARTTLS with a certificate valid for `name`, or no delivery */
  verify: boolean;
}

/**
 * Sends one message to the recipients of one domain over one connection: to the relay host, or to
 * the domain's MX hosts in preference order, each of their addresses (IPv6, then IPv4) in turn,
 * until one takes the transaction. STARTTLS is used when offered (opportunistic, certificates not
 * checked) unless the domain's MTA-STS policy is `enforce`: then only MX names the policy lists are
 * tried, TLS is required and the certificate must be valid for the MX name, else the message waits
 * (RFC 8461 §5.2). A REQUIRETLS message (RFC 8689) is held to `enforce` under any policy and bounces
 * without one (ADR 0060). Every TLS outcome is reported (TLS-RPT, ADR 0018).
 */
export class OutboundSmtp {
  private readonly ca?: string[];
  private readonly limiter: DestinationLimiter;
  /**
   * Idle connections per MX address and TLS policy (an MTA-STS enforce session is never handed to
   * an opportunistic one or back): several messages for one domain go over one connection.
   */
  readonly pool = new SmtpConnectionPool();

  constructor(private readonly opts: OutboundOptions) {
    this.ca = opts.extraCa?.length ? [...rootCertificates, ...opts.extraCa] : undefined;
    this.limiter = new DestinationLimiter(opts.perDomainConcurrency ?? 10);
  }

  /** Through the per-destination limit (`perDomainConcurrency`): one domain's deliveries never take every worker. */
  send(domain: string, mailFrom: string, recipients: string[], body: () => Promise<Readable>, size: number, opts: TransferOptions = {}): Promise<OutboundOutcome[]> {
    return this.limiter.run(domain.toLowerCase(), () => this.sendNow(domain, { mailFrom, recipients, body, size, opts }));
  }

  private async sendNow(domain: string, tx: Transaction): Promise<OutboundOutcome[]> {
    const { recipients } = tx;
    // RFC 8689: the next hop's identity must be authenticated too (its certificate checked), not only encrypted
    const requireTls = tx.opts.params?.requireTls === true;
    const all = (result: OutboundOutcome['result'], detail: string) => recipients.map((address) => ({ address, result, detail }));
    if (this.opts.relayHost) {
      const relay = parseRelayHost(this.opts.relayHost, this.opts.port);
      const hops = (await this.hopsOf({ name: relay.host, priority: 0, implicit: false }, relay.port, requireTls).catch(() => null)) ?? [{ address: relay.host, port: relay.port, name: relay.host, verify: requireTls }];
      const sent = await this.tryHops(hops, domain, null, tx);
      return sent.outcomes ?? all('transient', sent.lastError);
    }

    let hosts: MxHost[];
    try {
      hosts = await mxHostsFor(domain, this.opts.resolveMx);
    } catch (err) {
      if (err instanceof PermanentRouteError) return all('permanent', err.message);
      return all('transient', `4.4.3 MX lookup for ${domain} failed: ${(err as Error).message}`);
    }
    const sts = this.opts.mtaSts ? await this.opts.mtaSts.lookup(domain) : { policy: null };
    if ('failure' in sts && sts.failure) this.report({ domain, policy: sts.policy ? 'sts' : 'no-policy-found', result: 'failure', resultType: sts.failure.resultType, detail: sts.failure.detail, ...stsOf(sts.policy) });
    const policy = sts.policy && sts.policy.mode !== 'none' ? sts.policy : null;
    // without DNSSEC validation here, an MTA-STS policy (testing counts as enforce) is what names the MX hosts that may take a REQUIRETLS message (RFC 8689 4.2.1)
    if (requireTls && !policy) return all('permanent', `5.7.30 REQUIRETLS support required: ${domain} publishes no MTA-STS policy, so its MX hosts cannot be authenticated (RFC 8689)`);
    const enforce = policy?.mode === 'enforce' || requireTls;
    if (policy) {
      // a policy was looked up by MtaStsPolicies, which loaded mailauth already (ADR 0084)
      const { validateMx } = await import('mailauth/lib/mta-sts.js');
      const listed = hosts.filter((h) => !h.implicit && validateMx(h.name, policy).valid);
      for (const h of hosts.filter((x) => !listed.includes(x))) this.report({ domain, policy: 'sts', result: 'failure', resultType: 'validation-failure', mx: h.name, detail: `MX ${h.name} is not in the MTA-STS policy`, ...stsOf(policy) });
      if (enforce) {
        if (!listed.length) return all('transient', `4.7.5 no MX of ${domain} is allowed by its MTA-STS policy (mx: ${policy.mx.join(', ')})`);
        hosts = listed;
      }
    }

    let lastError = `4.4.1 no MX host of ${domain} answered`;
    let anyAddress = false;
    for (const host of hosts) {
      let hops: Hop[];
      try {
        hops = await this.hopsOf(host, this.opts.port, enforce);
      } catch (err) {
        lastError = `4.4.3 address lookup for ${host.name} failed: ${(err as Error).message}`;
        continue;
      }
      if (!hops.length) {
        lastError = `4.4.4 ${host.name} has no address`;
        continue;
      }
      anyAddress = true;
      const sent = await this.tryHops(hops, domain, policy, tx);
      if (sent.outcomes) return sent.outcomes;
      lastError = sent.lastError;
    }
    // no MX and no address of its own: nowhere to deliver, now or later (RFC 5321 §5.1)
    if (!anyAddress && hosts.length === 1 && hosts[0].implicit && lastError.startsWith('4.4.4')) return all('permanent', `5.1.2 ${domain} has neither MX nor address records`);
    return all('transient', lastError);
  }

  private async hopsOf(host: MxHost, port: number, verify: boolean): Promise<Hop[]> {
    return (await addressesOf(host.name, this.opts.resolve)).map((address) => ({ address, port, name: host.name, verify }));
  }

  /** The first hop that answers takes the transaction; null outcomes when none did. */
  private async tryHops(hops: Hop[], domain: string, policy: StsPolicy | null, tx: Transaction): Promise<{ outcomes: OutboundOutcome[] | null; lastError: string }> {
    let lastError = 'no address answered';
    for (const hop of hops) {
      const key = poolKey(hop);
      let connection = await this.pool.take(key);
      const fresh = !connection;
      try {
        connection ??= await this.connect(hop);
      } catch (err) {
        const message = (err as Error).message;
        lastError = `${hop.verify ? '4.7.5' : '4.4.1'} ${hop.name} [${hop.address}]:${hop.port}: ${message}`;
        if ((err as SmtpFailure).code === 'ETLS' || /TLS|certificate/i.test(message)) {
          this.report({ domain, policy: policy ? 'sts' : 'no-policy-found', result: 'failure', resultType: tlsFailureType(message), mx: hop.name, address: hop.address, detail: message, ...stsOf(policy) });
        }
        continue;
      }
      // TLS-RPT counts sessions: a reused connection was reported when it was opened
      if (fresh) this.report({ domain, policy: policy ? 'sts' : 'no-policy-found', result: connection.secure ? 'success' : 'failure', resultType: connection.secure ? undefined : 'starttls-not-supported', mx: hop.name, address: hop.address, ...stsOf(policy) });
      const remoteHost = hop.name === hop.address ? `${hop.address}:${hop.port}` : `${hop.name} [${hop.address}]:${hop.port}`;
      let outcomes: OutboundOutcome[] | undefined;
      try {
        outcomes = (await transferMessage(connection, tx.mailFrom, tx.recipients, tx.body, tx.size, tx.opts)).map((o) => ({ ...o, remoteHost }));
        return { outcomes, lastError };
      } finally {
        // a connection that answered every command is kept for the domain's next message
        if (outcomes && !outcomes.some((o) => o.result === 'transient' && o.detail.startsWith(CONNECTION_FAILED))) this.pool.release(key, connection);
        else {
          connection.quit();
          connection.close();
        }
      }
    }
    return { outcomes: null, lastError };
  }

  /** drop the idle connections (shutdown) */
  closeIdle(): void {
    this.pool.closeAll();
  }

  private report(r: TlsResult): void {
    this.opts.reportTls?.(r);
  }

  private connect(hop: Hop): Promise<SMTPConnection> {
    const connection = new SMTPConnection({
      host: hop.address,
      port: hop.port,
      servername: hop.name,
      name: this.opts.hostname,
      secure: false,
      ...(hop.verify ? { requireTLS: true } : { opportunisticTLS: true }),
      tls: hop.verify ? { rejectUnauthorized: true, minVersion: 'TLSv1.2', servername: hop.name, ca: this.ca } : { rejectUnauthorized: false, minVersion: 'TLSv1.2', servername: hop.name },
      connectionTimeout: this.opts.connectTimeoutMs ?? 30_000,
      greetingTimeout: this.opts.connectTimeoutMs ?? 30_000,
      socketTimeout: this.opts.socketTimeoutMs ?? 5 * 60_000,
      logger: false,
    } as SMTPConnection.Options);
    return new Promise((resolve, reject) => {
      let settled = false;
      connection.once('error', (err: Error) => {
        if (settled) return;
        settled = true;
        connection.close();
        reject(err);
      });
      connection.connect((err) => {
        if (settled) return;
        settled = true;
        if (err) {
          connection.close();
          reject(err);
        } else {
          // later socket errors surface through send()'s callback; keep them from being unhandled
          connection.on('error', () => undefined);
          resolve(connection);
        }
      });
    });
  }

}

/** MX name, address and port, and the TLS policy the session was opened under */
function poolKey(hop: Hop): string {
  return `${hop.name}\n${hop.address}:${hop.port}\n${hop.verify ? 'sts-enforce' : 'opportunistic'}`;
}

/** the applied MTA-STS policy as TLS-RPT wants it named */
function stsOf(policy: StsPolicy | null | undefined): Pick<TlsResult, 'policyString' | 'mxHost'> {
  return policy ? { policyString: stsPolicyString(policy), mxHost: policy.mx } : {};
}
