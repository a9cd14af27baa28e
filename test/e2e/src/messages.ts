import { randomUUID } from 'node:crypto';

/** A realistic multipart message as raw CRLF bytes, with a unique Message-ID and marker. */
export function sampleMessage(opts: { from: string; to: string; subject: string; marker?: string }): { raw: Buffer; messageId: string; marker: string } {
  const marker = opts.marker ?? randomUUID();
  const messageId = `<${randomUUID()}@e2e.test>`;
  const boundary = `b-${randomUUID()}`;
  const raw = [
    `From: Sender <${opts.from}>`,
    `To: <${opts.to}>`,
    `Subject: ${opts.subject}`,
    `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: ${messageId}`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    `Hello there, marker ${marker}.`,
    '.a line starting with a dot (POP3 must stuff it)',
    'Grüße',
    '',
    `--${boundary}`,
    'Content-Type: text/html; charset=utf-8',
    '',
    `<p>Hello there, marker <b>${marker}</b>.</p>`,
    '',
    `--${boundary}--`,
    '',
  ].join('\r\n');
  return { raw: Buffer.from(raw, 'utf8'), messageId, marker };
}

/** The stored message is what was sent with the server's trace headers in front. */
export function stripPrependedTraceHeaders(stored: Buffer, sent: Buffer): { prefix: string; rest: Buffer } {
  const prefix = stored.subarray(0, stored.length - sent.length).toString('utf8');
  return { prefix, rest: stored.subarray(stored.length - sent.length) };
}
