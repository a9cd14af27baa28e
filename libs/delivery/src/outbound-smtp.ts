import type { Readable } from 'node:stream';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { PermanentRouteError, routeFor, parseRelayHost, type SmtpTarget } from './mx-route.js';

export interface OutboundOutcome {
  address: string;
  result: 'sent' | 'transient' | 'permanent';
  /** the remote reply (or our reason) for logs, tracking and DSNs */
  detail: string;
}

export interface OutboundOptions {
  hostname: string;
  relayHost?: string;
  port: number;
  connectTimeoutMs?: number;
  socketTimeoutMs?: number;
  resolveMx?: (domain: string) => Promise<Array<{ exchange: string; priority: number }>>;
}

interface SmtpFailure extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  recipient?: string;
  rejectedErrors?: SmtpFailure[];
}

const classify = (code: number | undefined): 'transient' | 'permanent' => (code && code >= 500 ? 'permanent' : 'transient');
const replyText = (e: SmtpFailure) => (e.response ?? e.message).replace(/\s+/g, ' ').slice(0, 500);

/**
 * Sends one message to the recipients of one domain over one connection: to the relay host, or to
 * the domain's MX hosts in preference order until one answers. STARTTLS is used when offered
 * (opportunistic: certificates are not verified, as is usual between MTAs without DANE/MTA-STS).
 */
export class OutboundSmtp {
  constructor(private readonly opts: OutboundOptions) {}

  async send(domain: string, mailFrom: string, recipients: string[], body: () => Promise<Readable>, size: number): Promise<OutboundOutcome[]> {
    const all = (result: OutboundOutcome['result'], detail: string) => recipients.map((address) => ({ address, result, detail }));
    let targets: SmtpTarget[];
    try {
      targets = this.opts.relayHost ? [parseRelayHost(this.opts.relayHost, this.opts.port)] : await routeFor(domain, this.opts.port, this.opts.resolveMx);
    } catch (err) {
      if (err instanceof PermanentRouteError) return all('permanent', err.message);
      return all('transient', `4.4.3 MX lookup for ${domain} failed: ${(err as Error).message}`);
    }
    let lastError = 'no MX host answered';
    for (const target of targets) {
      let connection: SMTPConnection | undefined;
      try {
        connection = await this.connect(target);
      } catch (err) {
        lastError = `4.4.1 ${target.host}:${target.port}: ${(err as Error).message}`;
        continue;
      }
      try {
        return await this.transfer(connection, mailFrom, recipients, body, size);
      } finally {
        connection.quit();
        connection.close();
      }
    }
    return all('transient', lastError);
  }

  private connect(target: SmtpTarget): Promise<SMTPConnection> {
    const connection = new SMTPConnection({
      host: target.host,
      port: target.port,
      name: this.opts.hostname,
      secure: false,
      opportunisticTLS: true,
      tls: { rejectUnauthorized: false, minVersion: 'TLSv1.2' },
      connectionTimeout: this.opts.connectTimeoutMs ?? 30_000,
      greetingTimeout: this.opts.connectTimeoutMs ?? 30_000,
      socketTimeout: this.opts.socketTimeoutMs ?? 5 * 60_000,
      logger: false,
    });
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

  private async transfer(connection: SMTPConnection, mailFrom: string, recipients: string[], body: () => Promise<Readable>, size: number): Promise<OutboundOutcome[]> {
    const stream = await body();
    try {
      const info = await new Promise<{ accepted: string[]; rejectedErrors?: SmtpFailure[]; response: string }>((resolve, reject) =>
        connection.send({ from: mailFrom || false, to: recipients, size, use8BitMime: true }, stream, (err, info) => (err || !info ? reject(err ?? new Error('no reply')) : resolve(info))),
      );
      return this.outcomes(recipients, info.accepted, info.rejectedErrors ?? [], info.response);
    } catch (e) {
      const err = e as SmtpFailure;
      if (err.rejectedErrors?.length && err.code === 'EENVELOPE' && err.rejectedErrors.length === recipients.length) {
        return this.outcomes(recipients, [], err.rejectedErrors, '');
      }
      // MAIL FROM or DATA refused, or the connection broke: the same fate for everyone
      const result = err.responseCode ? classify(err.responseCode) : 'transient';
      return recipients.map((address) => ({ address, result, detail: replyText(err) }));
    } finally {
      stream.destroy();
    }
  }

  private outcomes(recipients: string[], accepted: string[], rejected: SmtpFailure[], response: string): OutboundOutcome[] {
    const ok = new Set(accepted.map((a) => a.toLowerCase()));
    return recipients.map((address) => {
      if (ok.has(address.toLowerCase())) return { address, result: 'sent' as const, detail: response };
      const err = rejected.find((e) => e.recipient?.toLowerCase() === address.toLowerCase());
      return { address, result: err ? classify(err.responseCode) : ('transient' as const), detail: err ? replyText(err) : 'no reply for this recipient' };
    });
  }
}
