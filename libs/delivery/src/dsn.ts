import { randomBytes, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { enhancedStatus } from './retry-policy.js';

export interface FailedRecipient {
  address: string;
  /** the remote reply or our reason */
  diagnostic: string;
  /** true when the failure came from a remote SMTP server's reply */
  remote: boolean;
}

export interface DsnInput {
  hostname: string;
  queueId: string;
  sender: string;
  arrivalDate: Date;
  recipients: FailedRecipient[];
  /** the returned message's header block (RFC 3464 returns headers only: no body to carry or leak) */
  originalHeaders: Buffer;
  now?: Date;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
function rfc5322Date(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ').replace(/[^\x20-\x7e]/g, '?').slice(0, 900);

/** A non-delivery report: multipart/report with a human part, message/delivery-status and the original headers. */
export function buildDsn(input: DsnInput): Buffer {
  const now = input.now ?? new Date();
  const boundary = `dsn-${randomBytes(12).toString('hex')}`;
  const crlf = (lines: string[]) => lines.join('\r\n') + '\r\n';
  const human = input.recipients.map((r) => `<${oneLine(r.address)}>: ${oneLine(r.diagnostic)}`);
  const perRecipient = input.recipients.map((r) =>
    crlf([
      `Final-Recipient: rfc822; ${oneLine(r.address)}`,
      'Action: failed',
      `Status: ${enhancedStatus(r.diagnostic, true)}`,
      `Diagnostic-Code: ${r.remote ? 'smtp' : 'x-local'}; ${oneLine(r.diagnostic)}`,
    ]),
  );
  const lines = input.originalHeaders.toString('utf8').replace(/\r?\n/g, '\r\n');
  // a loop, not /(\r\n)*$/: that expression is quadratic on many line breaks before the end
  let end = lines.length;
  while (end >= 2 && lines.startsWith('\r\n', end - 2)) end -= 2;
  const headers = lines.slice(0, end) + '\r\n';
  return Buffer.from(
    crlf([
      `From: Mail Delivery System <MAILER-DAEMON@${input.hostname}>`,
      `To: <${oneLine(input.sender)}>`,
      'Subject: Undelivered Mail Returned to Sender',
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
      'Your message could not be delivered to one or more recipients.',
      'It has been returned with the reasons below.',
      '',
      ...human,
      '',
      `--${boundary}`,
      'Content-Type: message/delivery-status',
      '',
      `Reporting-MTA: dns; ${input.hostname}`,
      `X-Queue-ID: ${input.queueId}`,
      `Arrival-Date: ${rfc5322Date(input.arrivalDate)}`,
      '',
    ]) +
      perRecipient.join('\r\n') +
      crlf(['', `--${boundary}`, 'Content-Type: text/rfc822-headers', '']) +
      headers +
      crlf(['', `--${boundary}--`]),
  );
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
