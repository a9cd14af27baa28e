import type { Readable } from 'node:stream';
import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { EnvelopeParams } from '@mail/contracts';
import { perRecipientDsn, serverExtensions } from './smtp-client-extensions.js';

/** What nodemailer's SMTP connection rejects with: the reply, and per-recipient refusals. */
export interface SmtpFailure extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  recipient?: string;
  rejectedErrors?: SmtpFailure[];
}

/** one recipient's fate after a transaction (MX or smart host) */
export interface TransferOutcome {
  address: string;
  result: 'sent' | 'transient' | 'permanent';
  /** the remote reply (or our reason) for logs, tracking and DSNs */
  detail: string;
  /**
   * the next hop announced DSN and took the recipient with its RFC 3461 parameters: reports are
   * its job now, so no "relayed" DSN is sent from here (RFC 3461 §4.2)
   */
  dsnPassedOn?: boolean;
}

/** What the transaction carries besides addresses and body. */
export interface TransferOptions {
  /** the RFC 3461 parameters the message arrived with (ADR 0015) */
  params?: EnvelopeParams | null;
  /** UTF-8 header fields sent under SMTPUTF8 (RFC 6532): the next hop must offer SMTPUTF8 too */
  utf8Headers?: boolean;
}

const nonAscii = (s: string) => [...s].some((c) => c.charCodeAt(0) > 0x7f);

/**
 * Why this transaction cannot go to a next hop with these extensions, or null. A message that
 * needs SMTPUTF8 (a UTF-8 address in the envelope, or UTF-8 header fields it was submitted with
 * under SMTPUTF8) is not downgraded (RFC 6857 would rewrite addresses and headers, and a UTF-8
 * mailbox has no ASCII form to rewrite to): it bounces with 5.6.7 (RFC 6531 §3.2). A message
 * that only declared SMTPUTF8 and is all ASCII goes as it is, without the keyword.
 */
export function smtpUtf8Refusal(extensions: Set<string>, mailFrom: string, recipients: string[], opts: TransferOptions): string | null {
  if (extensions.has('SMTPUTF8')) return null;
  const what = nonAscii(mailFrom) || recipients.some(nonAscii) ? 'UTF-8 addresses' : opts.utf8Headers ? 'UTF-8 header fields' : null;
  return what ? `5.6.7 the next hop does not support SMTPUTF8 (RFC 6531), needed for this message's ${what}` : null;
}

/**
 * Why a REQUIRETLS message (RFC 8689) cannot go over this connection, or null: it needs TLS and a
 * next hop that offers REQUIRETLS, so that the requirement travels on with it (§4.2.1). It is
 * never sent without (that would be the downgrade the sender asked us not to make): it bounces
 * with 5.7.30, the code RFC 8689 §6 registers for this.
 */
export function requireTlsRefusal(extensions: Set<string>, secure: boolean, opts: TransferOptions): string | null {
  if (!opts.params?.requireTls) return null;
  if (!secure) return '5.7.30 REQUIRETLS support required: the next hop offers no TLS (RFC 8689)';
  if (!extensions.has('REQUIRETLS')) return '5.7.30 REQUIRETLS support required: the next hop does not offer REQUIRETLS (RFC 8689)';
  return null;
}

export const classify = (code: number | undefined): 'transient' | 'permanent' => (code && code >= 500 ? 'permanent' : 'transient');
export const replyText = (e: SmtpFailure) => (e.response ?? e.message).replace(/\s+/g, ' ').slice(0, 500);

/** The prefix of the detail when the connection broke with no reply: the connection is not reused. */
export const CONNECTION_FAILED = 'connection failed: ';

/**
 * One transaction on an open connection, for the MX path and the smart-host path alike: each
 * recipient gets the server's answer to it (accepted, refused 4xx/5xx, or no answer); a refusal of
 * MAIL FROM or DATA, or a broken connection, is everyone's fate.
 */
export async function transferMessage(
  connection: SMTPConnection,
  mailFrom: string,
  recipients: string[],
  body: () => Promise<Readable>,
  size: number,
  opts: TransferOptions = {},
): Promise<TransferOutcome[]> {
  const extensions = serverExtensions(connection);
  const refusal = smtpUtf8Refusal(extensions, mailFrom, recipients, opts) ?? requireTlsRefusal(extensions, connection.secure, opts);
  if (refusal) return recipients.map((address) => ({ address, result: 'permanent', detail: refusal }));
  const dsn = extensions.has('DSN') ? dsnEnvelope(opts.params) : null;
  const stream = await body();
  const undo = dsn ? perRecipientDsn(connection, (r) => rcptDsn(opts.params, r)) : () => undefined;
  try {
    const info = await new Promise<{ accepted: string[]; rejectedErrors?: SmtpFailure[]; response: string }>((resolve, reject) =>
      connection.send({ from: mailFrom || false, to: recipients, size, use8BitMime: true, ...(dsn ? { dsn } : {}), ...(opts.params?.requireTls ? { requireTLSExtensionEnabled: true } : {}) } as SMTPConnection.Envelope, stream, (err, info) =>
        err || !info ? reject(err ?? new Error('no reply')) : resolve(info),
      ),
    );
    return outcomes(recipients, info.accepted, info.rejectedErrors ?? [], info.response).map((o) => (dsn && o.result === 'sent' ? { ...o, dsnPassedOn: true } : o));
  } catch (e) {
    const err = e as SmtpFailure;
    if (err.rejectedErrors?.length && err.code === 'EENVELOPE' && err.rejectedErrors.length === recipients.length) return outcomes(recipients, [], err.rejectedErrors, '');
    const result = err.responseCode ? classify(err.responseCode) : 'transient';
    return recipients.map((address) => ({ address, result, detail: err.responseCode ? replyText(err) : `${CONNECTION_FAILED}${replyText(err)}` }));
  } finally {
    undo();
    stream.destroy();
  }
}

/** MAIL FROM's RET and ENVID for nodemailer; null when the message carries no RFC 3461 parameter at all. */
function dsnEnvelope(params: EnvelopeParams | null | undefined): { ret?: string; envid?: string } | null {
  if (!params) return null;
  const perRecipient = Object.values(params.recipients ?? {}).some((r) => r.notify || r.orcpt);
  if (!params.ret && !params.envid && !perRecipient) return null;
  return { ...(params.ret ? { ret: params.ret } : {}), ...(params.envid ? { envid: params.envid } : {}) };
}

function rcptDsn(params: EnvelopeParams | null | undefined, recipient: string): { notify?: string; orcpt?: string } | undefined {
  const own = params?.recipients?.[recipient] ?? Object.entries(params?.recipients ?? {}).find(([k]) => k.toLowerCase() === recipient.toLowerCase())?.[1];
  if (!own) return undefined;
  return { ...(own.notify ? { notify: own.notify.join(',') } : {}), ...(own.orcpt ? { orcpt: own.orcpt } : {}) };
}

function outcomes(recipients: string[], accepted: string[], rejected: SmtpFailure[], response: string): TransferOutcome[] {
  const ok = new Set(accepted.map((a) => a.toLowerCase()));
  return recipients.map((address) => {
    if (ok.has(address.toLowerCase())) return { address, result: 'sent' as const, detail: response };
    const err = rejected.find((e) => e.recipient?.toLowerCase() === address.toLowerCase());
    return { address, result: err ? classify(err.responseCode) : ('transient' as const), detail: err ? replyText(err) : 'no reply for this recipient' };
  });
}
