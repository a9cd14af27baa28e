import type { Readable } from 'node:stream';
import type SMTPConnection from 'nodemailer/lib/smtp-connection';

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
export async function transferMessage(connection: SMTPConnection, mailFrom: string, recipients: string[], body: () => Promise<Readable>, size: number): Promise<TransferOutcome[]> {
  const stream = await body();
  try {
    const info = await new Promise<{ accepted: string[]; rejectedErrors?: SmtpFailure[]; response: string }>((resolve, reject) =>
      connection.send({ from: mailFrom || false, to: recipients, size, use8BitMime: true }, stream, (err, info) => (err || !info ? reject(err ?? new Error('no reply')) : resolve(info))),
    );
    return outcomes(recipients, info.accepted, info.rejectedErrors ?? [], info.response);
  } catch (e) {
    const err = e as SmtpFailure;
    if (err.rejectedErrors?.length && err.code === 'EENVELOPE' && err.rejectedErrors.length === recipients.length) return outcomes(recipients, [], err.rejectedErrors, '');
    const result = err.responseCode ? classify(err.responseCode) : 'transient';
    return recipients.map((address) => ({ address, result, detail: err.responseCode ? replyText(err) : `${CONNECTION_FAILED}${replyText(err)}` }));
  } finally {
    stream.destroy();
  }
}

function outcomes(recipients: string[], accepted: string[], rejected: SmtpFailure[], response: string): TransferOutcome[] {
  const ok = new Set(accepted.map((a) => a.toLowerCase()));
  return recipients.map((address) => {
    if (ok.has(address.toLowerCase())) return { address, result: 'sent' as const, detail: response };
    const err = rejected.find((e) => e.recipient?.toLowerCase() === address.toLowerCase());
    return { address, result: err ? classify(err.responseCode) : ('transient' as const), detail: err ? replyText(err) : 'no reply for this recipient' };
  });
}
