import { checkServerIdentity, rootCertificates, type TLSSocket } from 'node:tls';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { ContractError, type ConnectorRecord, type ResponseOf, type TestConnector } from '@mail/contracts';
import type { DnsResolver } from '@mail/dns';
import { parseRelayHost, type SmtpTarget } from '../mx-route.js';
import { addressesOf, mxHostsFor } from '../mx/mx-hosts.js';

type Report = ResponseOf<typeof TestConnector>;
type HostReport = Report['hosts'][number];

export interface ProbeOptions {
  hostname: string;
  defaultPort: number;
  extraCa?: string[];
  connectTimeoutMs?: number;
  resolveMx: (domain: string) => Promise<Array<{ exchange: string; priority: number }>>;
  /** A and AAAA of the hosts: the platform's resolver (DNS_SERVERS) */
  resolve: DnsResolver;
}

/**
 * Validate-OutboundConnector: for each smart host (or MX of the recipient's domain), connect,
 * EHLO and STARTTLS when offered, look at what the TLS setting would demand, QUIT. The certificate
 * is accepted here whatever it is, so that a bad one can be shown; whether the connector's setting
 * accepts it is reported per host. Nothing is sent.
 */
export async function probeConnector(c: ConnectorRecord, to: string | undefined, opts: ProbeOptions): Promise<Report> {
  const settings = c.tlsSettings ?? 'opportunistic';
  let targets: SmtpTarget[];
  if (c.useMxRecord) {
    const domain = to?.split('@').pop()?.toLowerCase() ?? (c.recipientDomains ?? []).find((d) => !d.includes('*'));
    if (!domain) throw new ContractError('INVALID', `connector ${c.name} delivers by MX: give --to an address of a domain it serves`);
    targets = (await mxHostsFor(domain, opts.resolveMx)).map((h) => ({ host: h.name, port: opts.defaultPort }));
  } else targets = (c.smartHosts ?? []).map((h) => parseRelayHost(h, opts.defaultPort));
  const hosts: HostReport[] = [];
  for (const t of targets) hosts.push(await probeHost(c, t, opts));
  return { connector: c.name, tlsSettings: settings, met: hosts.some((h) => h.settingsMet), hosts };
}

async function probeHost(c: ConnectorRecord, t: SmtpTarget, opts: ProbeOptions): Promise<HostReport> {
  let address: string | undefined;
  try {
    [address] = await addressesOf(t.host, opts.resolve);
  } catch (err) {
    return { host: t.host, port: t.port, connected: false, settingsMet: false, detail: `address lookup failed: ${(err as Error).message}` };
  }
  if (!address) return { host: t.host, port: t.port, connected: false, settingsMet: false, detail: 'no address' };
  const connection = new SMTPConnection({
    host: address,
    port: t.port,
    name: opts.hostname,
    secure: false,
    opportunisticTLS: true,
    tls: { rejectUnauthorized: false, minVersion: 'TLSv1.2', servername: /^[\d.]+$|:/.test(t.host) ? undefined : t.host, ...(opts.extraCa?.length ? { ca: [...rootCertificates, ...opts.extraCa] } : {}) },
    connectionTimeout: opts.connectTimeoutMs ?? 15_000,
    greetingTimeout: opts.connectTimeoutMs ?? 15_000,
    logger: false,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      connection.once('error', reject);
      connection.connect((err) => (err ? reject(err) : resolve()));
    });
  } catch (err) {
    connection.close();
    return { host: t.host, port: t.port, connected: false, settingsMet: false, detail: `cannot connect: ${(err as Error).message}` };
  }
  connection.on('error', () => undefined);
  const socket = (connection as unknown as { _socket?: TLSSocket })._socket;
  const report: HostReport = { host: t.host, port: t.port, connected: true, settingsMet: false, detail: '' };
  if (!connection.secure || !socket?.getPeerCertificate) {
    report.settingsMet = (c.tlsSettings ?? 'opportunistic') === 'opportunistic';
    report.detail = report.settingsMet ? 'no STARTTLS: mail would go in plaintext, which opportunistic allows' : 'no STARTTLS: the setting requires TLS, mail would be deferred';
  } else {
    const cert = socket.getPeerCertificate();
    const cipher = socket.getCipher();
    report.tls = { version: socket.getProtocol() ?? 'unknown', cipher: cipher?.name ?? 'unknown' };
    report.certificate = {
      subject: cert.subject?.CN ? String(cert.subject.CN) : '',
      issuer: cert.issuer?.CN ? String(cert.issuer.CN) : '',
      validTo: cert.valid_to ?? '',
      altNames: cert.subjectaltname ?? '',
      trusted: socket.authorized,
    };
    const name = c.tlsSettings === 'domainValidation' ? (c.tlsDomain ?? '') : t.host;
    const identity = checkServerIdentity(name.startsWith('*.') ? `x${name.slice(1)}` : name, cert);
    switch (c.tlsSettings ?? 'opportunistic') {
      case 'opportunistic':
      case 'encryptionOnly':
        report.settingsMet = true;
        report.detail = 'TLS negotiated; the certificate is not checked by this setting';
        break;
      default:
        report.settingsMet = socket.authorized && !identity;
        report.detail = !socket.authorized
          ? `certificate not trusted: ${String(socket.authorizationError)}`
          : identity
            ? `certificate does not name ${name}: ${identity.message}`
            : `certificate trusted and names ${name}`;
    }
  }
  try {
    connection.quit();
  } catch {
    connection.close();
  }
  return report;
}
