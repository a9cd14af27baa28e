import type { Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { ConnectorRecord } from '@mail/contracts';
import type { DnsResolver } from '@mail/dns';
import { connectorMetrics } from '@mail/connector-rules';
import type { Opener } from '../dkim/outbound-dkim-signer.js';
import { PermanentRouteError, parseRelayHost, type SmtpTarget } from '../mx-route.js';
import { addressesOf, mxHostsFor } from '../mx/mx-hosts.js';
import type { OutboundOutcome } from '../outbound-smtp.js';
import { SmtpConnectionPool } from './smtp-connection-pool.js';
import { smartHostTls } from './smart-host-tls.js';
import { CONNECTION_FAILED, replyText, transferMessage, type SmtpFailure, type TransferOptions } from '../smtp-transfer.js';

export interface SmartHostOptions {
  hostname: string;
  /** port of a smart host that names none (OUTBOUND_PORT, 25) */
  defaultPort: number;
  connectTimeoutMs?: number;
  socketTimeoutMs?: number;
  /** opens the sealed smart-host passwords */
  secrets?: Opener;
  /** CAs (PEM) trusted besides the system's for certificateValidation/domainValidation (a private PKI: OUTBOUND_TLS_CA_FILE) */
  extraCa?: string[];
  resolveMx: (domain: string) => Promise<Array<{ exchange: string; priority: number }>>;
  /** A and AAAA of smart hosts and MX names: the platform's resolver (DNS_SERVERS), never the system's */
  resolve: DnsResolver;
}

/**
 * Delivery through an outbound connector: its smart hosts in order (or the domain's MX with
 * useMxRecord), failing over to the next on a connection or TLS failure or a 4xx; its TLS
 * setting enforced (a required TLS that can't be met defers with the reason, never plaintext);
 * AUTH with the connector's credentials (only over TLS); idle connections reused per connector
 * and host when connectionReuse is on.
 */
export class SmartHostSender {
  readonly pool = new SmtpConnectionPool();

  constructor(private readonly opts: SmartHostOptions) {}

  async send(c: ConnectorRecord, domain: string, mailFrom: string, recipients: string[], body: () => Promise<Readable>, size: number, opts: TransferOptions = {}): Promise<OutboundOutcome[]> {
    const tag = (o: Omit<OutboundOutcome, 'connector'>): OutboundOutcome => ({ ...o, connector: c.name });
    const all = (result: OutboundOutcome['result'], detail: string) => recipients.map((address) => tag({ address, result, detail }));
    let targets: SmtpTarget[];
    try {
      targets = c.useMxRecord
        ? (await mxHostsFor(domain, this.opts.resolveMx)).map((h) => ({ host: h.name, port: this.opts.defaultPort }))
        : (c.smartHosts ?? []).map((h) => parseRelayHost(h, this.opts.defaultPort));
    } catch (err) {
      if (err instanceof PermanentRouteError) return all('permanent', err.message);
      return all('transient', `4.4.3 MX lookup for ${domain} failed: ${(err as Error).message}`);
    }
    let password: string | undefined;
    if (c.authUsername) {
      if (!c.authPasswordSealed || !this.opts.secrets) return this.fail(c, all, 'auth_unavailable', `4.7.0 connector "${c.name}": no password can be opened for ${c.authUsername} (SECRETS_KEY)`);
      try {
        password = this.opts.secrets.open(c.authPasswordSealed);
      } catch {
        return this.fail(c, all, 'auth_unavailable', `4.7.0 connector "${c.name}": the stored password does not open with SECRETS_KEY`);
      }
    }

    let pending = recipients;
    const done: OutboundOutcome[] = [];
    let lastError = `4.4.1 connector "${c.name}": no smart host`;
    for (const hop of await this.hops(c, targets, (e) => (lastError = e))) {
      let connection: SMTPConnection;
      try {
        connection = await this.connection(c, hop, password);
      } catch (err) {
        lastError = `4.4.1 connector "${c.name}" ${hopName(hop)}: ${describeFailure(err as SmtpFailure)}`;
        connectorMetrics.refusal(c.name, 'outbound', failureReason(err as SmtpFailure));
        continue;
      }
      // the host that answered goes into message trace with the reply
      const results = (await transferMessage(connection, mailFrom, pending, body, size, opts)).map((o) => ({ ...tag(o), remoteHost: hopName(hop) }));
      const reusable = !results.some((r) => r.result === 'transient' && r.detail.startsWith(CONNECTION_FAILED));
      if (c.connectionReuse && reusable) this.pool.release(poolKey(c, hop), connection);
      else close(connection);
      const sent = results.filter((r) => r.result !== 'transient');
      done.push(...sent);
      pending = results.filter((r) => r.result === 'transient').map((r) => r.address);
      if (!pending.length) return this.counted(c, done);
      // 4xx or a broken connection: the next smart host gets the recipients still waiting
      lastError = results.find((r) => r.result === 'transient')?.detail ?? lastError;
    }
    return this.counted(c, [...done, ...pending.map((address) => tag({ address, result: 'transient', detail: lastError }))]);
  }

  /**
   * Each target's addresses (IPv6, then IPv4) through the platform's resolver, in target order. A
   * name without addresses, or whose lookup fails, is skipped with the reason kept as the last error.
   */
  private async hops(c: ConnectorRecord, targets: SmtpTarget[], skipped: (reason: string) => void): Promise<Hop[]> {
    const hops: Hop[] = [];
    for (const t of targets) {
      try {
        const addresses = await addressesOf(t.host, this.opts.resolve);
        if (!addresses.length) skipped(`4.4.4 connector "${c.name}" ${t.host}: no address`);
        for (const address of addresses) hops.push({ ...t, address });
      } catch (err) {
        skipped(`4.4.3 connector "${c.name}" ${t.host}: address lookup failed: ${(err as Error).message}`);
      }
    }
    return hops;
  }

  /** drop pooled connections (the connectors changed, or shutdown) */
  closeIdle(): void {
    this.pool.closeAll();
  }

  private fail(c: ConnectorRecord, all: (r: OutboundOutcome['result'], d: string) => OutboundOutcome[], reason: string, detail: string): OutboundOutcome[] {
    connectorMetrics.refusal(c.name, 'outbound', reason);
    return this.counted(c, all('transient', detail));
  }

  private counted(c: ConnectorRecord, outcomes: OutboundOutcome[]): OutboundOutcome[] {
    for (const o of outcomes) connectorMetrics.message(c.name, 'outbound', o.result === 'sent' ? 'relayed' : o.result === 'transient' ? 'deferred' : 'failed');
    return outcomes;
  }

  /** a pooled connection that still answers RSET, else a new one (STARTTLS per the setting, then AUTH) */
  private async connection(c: ConnectorRecord, target: Hop, password: string | undefined): Promise<SMTPConnection> {
    if (c.connectionReuse) {
      const pooled = await this.pool.take(poolKey(c, target));
      if (pooled) return pooled;
    }
    const tls = smartHostTls(c.tlsSettings ?? 'opportunistic', { tlsDomain: c.tlsDomain, extraCa: this.opts.extraCa });
    const connection = new SMTPConnection({
      // the address the platform's resolver gave; the name stays for SNI and the certificate check
      host: target.address,
      port: target.port,
      name: this.opts.hostname,
      secure: false,
      requireTLS: tls.requireTLS,
      opportunisticTLS: tls.opportunisticTLS,
      tls: { servername: /^[\d.]+$|:/.test(target.host) ? undefined : target.host, ...tls.tls },
      connectionTimeout: this.opts.connectTimeoutMs ?? 30_000,
      greetingTimeout: this.opts.connectTimeoutMs ?? 30_000,
      socketTimeout: this.opts.socketTimeoutMs ?? 5 * 60_000,
      logger: false,
    });
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (err?: Error) => {
        if (settled) return;
        settled = true;
        if (err) {
          close(connection);
          reject(err);
        } else resolve();
      };
      connection.once('error', settle);
      connection.connect((err) => settle(err ?? undefined));
    });
    connection.on('error', () => undefined);
    connectorMetrics.tls(c.name, 'outbound', connection.secure ? (tlsSocketOf(connection)?.getProtocol() ?? undefined) : undefined);
    const user = c.authUsername;
    if (user && password !== undefined) {
      if (!connection.secure) {
        close(connection);
        throw Object.assign(new Error(`will not send the password for ${user} without TLS`), { code: 'EAUTHTLS' });
      }
      await new Promise<void>((resolve, reject) =>
        connection.login({ user, pass: password }, (err) => {
          if (err) {
            close(connection);
            reject(err);
          } else resolve();
        }),
      );
    }
    return connection;
  }

}

/** one address of a smart host or MX name */
interface Hop extends SmtpTarget {
  address: string;
}

const hopName = (h: Hop) => (h.address === h.host ? `${h.host}:${h.port}` : `${h.host} [${h.address}]:${h.port}`);

function poolKey(c: ConnectorRecord, t: SmtpTarget): string {
  return `${c.id}\n${c.updatedAt}\n${t.host}:${t.port}`;
}

function close(connection: SMTPConnection): void {
  try {
    connection.quit();
  } catch {
    // already closed
  }
  connection.close();
}

function tlsSocketOf(connection: SMTPConnection): TLSSocket | undefined {
  return (connection as unknown as { _socket?: TLSSocket })._socket;
}

function describeFailure(err: SmtpFailure): string {
  if (err.code === 'ETLS' || /STARTTLS/i.test(err.message)) return `TLS required by the connector but not available: ${replyText(err)}`;
  if (/certificate|self.signed|altnames|hostname/i.test(err.message)) return `the certificate does not meet the connector's TLS setting: ${err.message}`;
  return replyText(err);
}

function failureReason(err: SmtpFailure): string {
  if (err.code === 'EAUTH' || err.code === 'EAUTHTLS') return 'auth_failed';
  if (err.code === 'ETLS' || /certificate|self.signed|altnames|STARTTLS|hostname/i.test(err.message)) return 'tls_not_met';
  return 'connect_failed';
}
