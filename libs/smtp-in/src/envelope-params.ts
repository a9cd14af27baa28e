import type { SMTPServerAddress, SMTPServerSession } from 'smtp-server';
import type { EnvelopeParams, RecipientParams } from '@mail/contracts';
import { parseEnvid, parseNotify, parseOrcpt, parseRet } from './dsn-params.js';
import { smtpError } from './smtp-reply.js';

type Args = Record<string, string | boolean | undefined>;
const argsOf = (a: SMTPServerAddress): Args => (a.args || {}) as Args;

const MAIL_PARAMS = { RET: parseRet, ENVID: parseEnvid };
const RCPT_PARAMS = { NOTIFY: parseNotify, ORCPT: parseOrcpt };

/** Refuses a MAIL FROM (`mail`) or RCPT TO (`rcpt`) whose DSN parameters are malformed (501 5.5.4), before anything is accepted. */
export function checkDsnParams(command: 'mail' | 'rcpt', address: SMTPServerAddress): void {
  const args = argsOf(address);
  for (const [name, parse] of Object.entries(command === 'mail' ? MAIL_PARAMS : RCPT_PARAMS)) {
    if (args[name] === undefined) continue;
    const p = parse(args[name]);
    if (!p.ok) throw smtpError(501, `5.5.4 ${p.error}`);
  }
}

/**
 * What travels with the message to the queue (contracts EnvelopeParams): the transaction's
 * parameters as checked above, and per recipient the DSN parameters and smtp-in's decisions
 * (`junk`). Undefined when there is nothing beyond the defaults, so most queue rows carry nothing.
 */
export function envelopeParams(session: SMTPServerSession, junk: string[]): EnvelopeParams | undefined {
  const env = session.envelope;
  const mail = env.mailFrom ? argsOf(env.mailFrom) : {};
  const value = <T>(p: { ok: true; value: T } | { ok: false }) => (p.ok ? p.value : undefined);
  const out: EnvelopeParams = {};
  if (mail.RET !== undefined) out.ret = value(parseRet(mail.RET));
  if (mail.ENVID !== undefined) out.envid = value(parseEnvid(mail.ENVID));
  if (env.requireTLS) out.requireTls = true;
  if (env.smtpUtf8) out.smtpUtf8 = true;
  const body = typeof mail.BODY === 'string' ? mail.BODY.toUpperCase() : undefined;
  if (body === '7BIT' || body === '8BITMIME' || body === 'BINARYMIME') out.body = body;
  const junked = new Set(junk);
  const recipients: Record<string, RecipientParams> = {};
  for (const r of env.rcptTo) {
    const args = argsOf(r);
    const params: RecipientParams = {};
    if (args.NOTIFY !== undefined) params.notify = value(parseNotify(args.NOTIFY));
    if (args.ORCPT !== undefined) params.orcpt = value(parseOrcpt(args.ORCPT));
    if (junked.has(r.address)) params.junk = true;
    if (Object.keys(params).length) recipients[r.address] = params;
  }
  if (Object.keys(recipients).length) out.recipients = recipients;
  return Object.keys(out).length ? out : undefined;
}
