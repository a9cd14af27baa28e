import { randomBytes, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { enhancedStatus } from './retry-policy.js';

/** One recipient a report is about. */
export interface ReportedRecipient {
  address: string;
  /** RFC 3464 Action */
  action: 'failed' | 'delayed' | 'delivered' | 'relayed';
  /** the remote reply or our reason */
  diagnostic: string;
  /** true when the diagnostic came from a remote SMTP server's reply */
  remote: boolean;
  /** RFC 3461 ORCPT, formatted `addr-type; address` */
  originalRecipient?: string;
  /** the next hop, for Remote-MTA when known */
  remoteMta?: string;
}

/** @deprecated name kept for callers of the failure-only report */
export type FailedRecipient = Omit<ReportedRecipient, 'action'>;

export interface DsnInput {
  hostname: string;
  queueId: string;
  sender: string;
  arrivalDate: Date;
  recipients: Array<ReportedRecipient | FailedRecipient>;
  /** the returned message's header block; with RET=FULL, `originalMessage` is returned instead */
  originalHeaders: Buffer;
  /** RET=FULL: the whole message (bounded by the caller) */
  originalMessage?: Buffer;
  /** RFC 3461 ENVID */
  envid?: string;
  /** for delayed reports: until when we keep trying */
  willRetryUntil?: Date;
  now?: Date;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
function rfc5322Date(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ').replace(/[^\x20-\x7e]/g, '?').slice(0, 900);

const SUBJECT: Record<ReportedRecipient['action'], string> = {
  failed: 'Undelivered Mail Returned to Sender',
  delayed: 'Delayed Mail (still being retried)',
  delivered: 'Successful Mail Delivery Report',
  relayed: 'Successful Mail Delivery Report',
};
const INTRO: Record<ReportedRecipient['action'], string[]> = {
  failed: ['Your message could not be delivered to one or more recipients.', 'It has been returned with the reasons below.'],
  delayed: ['Your message has not been delivered yet to one or more recipients.', 'Delivery is still being attempted; you do not need to send it again.'],
  delivered: ['Your message was delivered to the recipients below.'],
  relayed: ['Your message was passed on to the recipients\' mail servers, which may not send further reports.'],
};

/**
 * A delivery status notification (RFC 3464): multipart/report with a human part,
 * message/delivery-status (per-message fields, then one block per recipient with its Action,
 * Status and ORCPT), and the original headers (RET=HDRS, the default: no body to carry or leak) or
 * the whole original message (RET=FULL). All recipients of one report share one action.
 */
export function buildDsn(input: DsnInput): Buffer {
  const now = input.now ?? new Date();
  const boundary = `dsn-${randomBytes(12).toString('hex')}`;
  const crlf = (lines: string[]) => lines.join('\r\n') + '\r\n';
  const recipients = input.recipients.map((r) => ({ action: 'failed' as const, ...r }));
  const action = recipients[0]?.action ?? 'failed';
  const human = recipients.map((r) => `<${oneLine(r.address)}>: ${oneLine(r.diagnostic)}`);
  const perRecipient = recipients.map((r) =>
    crlf([
      ...(r.originalRecipient ? [`Original-Recipient: ${oneLine(r.originalRecipient)}`] : []),
      `Final-Recipient: rfc822; ${oneLine(r.address)}`,
      `Action: ${r.action}`,
      `Status: ${statusFor(r.action, r.diagnostic)}`,
      ...(r.remoteMta ? [`Remote-MTA: dns; ${oneLine(r.remoteMta)}`] : []),
      `Diagnostic-Code: ${r.remote ? 'smtp' : 'x-local'}; ${oneLine(r.diagnostic)}`,
      ...(r.action === 'delayed' && input.willRetryUntil ? [`Will-Retry-Until: ${rfc5322Date(input.willRetryUntil)}`] : []),
    ]),
  );
  const returned = input.originalMessage ?? input.originalHeaders;
  const returnedText = returned.toString('utf8').replace(/\r?\n/g, '\r\n').replace(/(\r\n)*$/, '\r\n');
  return Buffer.from(
    crlf([
      `From: Mail Delivery System <MAILER-DAEMON@${input.hostname}>`,
      `To: <${oneLine(input.sender)}>`,
      `Subject: ${SUBJECT[action]}`,
      `Date: ${rfc5322Date(now)}`,
      `Message-ID: <${randomUUID()}@${input.hostname}>`,
      'Auto-Submitted: auto-replied',
      'MIME-Version: 1.0',
      `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: text/plain; charset=us-ascii',
      '',
      `This is the mail system at ${input.hostname}.`,
      '',
      ...INTRO[action],
      '',
      ...human,
      '',
      `--${boundary}`,
      'Content-Type: message/delivery-status',
      '',
      ...(input.envid ? [`Original-Envelope-Id: ${oneLine(input.envid)}`] : []),
      `Reporting-MTA: dns; ${input.hostname}`,
      `X-Queue-ID: ${input.queueId}`,
      `Arrival-Date: ${rfc5322Date(input.arrivalDate)}`,
      '',
    ]) +
      perRecipient.join('\r\n') +
      crlf(['', `--${boundary}`, `Content-Type: ${input.originalMessage ? 'message/rfc822' : 'text/rfc822-headers'}`, '']) +
      returnedText +
      crlf(['', `--${boundary}--`]),
  );
}

/** RFC 3464 §2.3.4: the class follows the action (an expired temporary failure is reported as failed, 5.x.x). */
function statusFor(action: ReportedRecipient['action'], diagnostic: string): string {
  if (action === 'delivered' || action === 'relayed') return '2.0.0';
  const code = enhancedStatus(diagnostic, action === 'failed');
  return `${action === 'failed' ? '5' : '4'}${code.slice(1)}`;
}

/** The header block of a stored message (bounded), without reading its body. */
export async function readHeaderBlock(stream: Readable, maxBytes = 64 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      const buf = chunk as Buffer;
      chunks.push(buf);
      size += buf.length;
      const all = Buffer.concat(chunks, size);
      const end = headerEnd(all);
      if (end >= 0) return all.subarray(0, end);
      if (size >= maxBytes) return all.subarray(0, maxBytes);
    }
    return Buffer.concat(chunks, size);
  } finally {
    stream.destroy();
  }
}

function headerEnd(buf: Buffer): number {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf < 0) return lf < 0 ? -1 : lf + 1;
  if (lf < 0) return crlf + 2;
  return Math.min(crlf + 2, lf + 1);
}

/** How many Received fields a header block has: more than 25 is a mail loop (RFC 5321 §6.3). */
export function countReceived(headers: Buffer | string): number {
  const text = typeof headers === 'string' ? headers : headers.toString('latin1');
  return (text.match(/(^|\n)received[ \t]*:/gi) ?? []).length;
}
