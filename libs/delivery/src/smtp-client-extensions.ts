import type SMTPConnection from 'nodemailer/lib/smtp-connection';

/**
 * The few internals of nodemailer's SMTPConnection (10.x) that outbound delivery needs and its API
 * does not offer, in one place, like smtp-in's `bdat.ts` for smtp-server:
 * - `_supportedExtensions`: the EHLO keywords it recognised (SMTPUTF8, DSN, 8BITMIME, ...), needed
 *   to refuse a UTF-8 message before MAIL FROM rather than let nodemailer send it without SMTPUTF8;
 * - `_sendRcpt(recipient, cb)` and `_envelope.dsn`: nodemailer puts ONE NOTIFY/ORCPT on every RCPT
 *   of a transaction, while RFC 3461 parameters are per recipient.
 * `smtp-client-extensions.spec.ts` drives both against a real smtp-server, so a nodemailer release
 * that changes them fails there, not in production.
 */
interface ConnectionInternals {
  _supportedExtensions?: unknown;
  _envelope?: { dsn?: { notify?: string | null; orcpt?: string | null } | null };
  _sendRcpt?: (recipient: string, callback: unknown) => void;
}

/** The ESMTP keywords the server announced (upper case); throws when nodemailer no longer keeps them. */
export function serverExtensions(connection: SMTPConnection): Set<string> {
  const list = (connection as unknown as ConnectionInternals)._supportedExtensions;
  if (!Array.isArray(list)) throw new Error('nodemailer SMTPConnection no longer exposes _supportedExtensions');
  return new Set(list.map((x) => String(x).toUpperCase()));
}

/** RFC 3461 parameters of one recipient as they go on its RCPT TO (nodemailer xtext-encodes them). */
export interface RcptDsn {
  notify?: string;
  orcpt?: string;
}

/**
 * Makes each RCPT TO of the connection's next transactions carry that recipient's own NOTIFY and
 * ORCPT. Only effective when the envelope given to `send` has a `dsn` object (nodemailer then adds
 * the parameters when the server announced DSN). Returns the undo.
 */
export function perRecipientDsn(connection: SMTPConnection, of: (recipient: string) => RcptDsn | undefined): () => void {
  const c = connection as unknown as ConnectionInternals;
  const original = c._sendRcpt;
  if (typeof original !== 'function') throw new Error('nodemailer SMTPConnection no longer has _sendRcpt');
  c._sendRcpt = function (this: ConnectionInternals, recipient: string, callback: unknown) {
    const dsn = this._envelope?.dsn;
    if (dsn) {
      const own = of(recipient);
      dsn.notify = own?.notify ?? null;
      dsn.orcpt = own?.orcpt ?? null;
    }
    return original.call(this, recipient, callback);
  };
  return () => {
    c._sendRcpt = original;
  };
}
