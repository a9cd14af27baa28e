// SMTP load: N prepared messages over C connections, each connection reused for its whole share.
// MAIL, RCPT and DATA go in one write (PIPELINING, which both sides announce); a message's latency is
// from that write to the 250 after the final dot. Messages are built before the clock starts.
import { LineSocket } from './net.mjs';
import { latencySummary } from './stats.mjs';

async function reply(sock) {
  // multi-line replies: "250-..." continues, "250 ..." ends
  let line;
  do line = await sock.line();
  while (line[3] === '-');
  return line;
}

function expect(line, code, what) {
  if (!line.startsWith(code)) throw new Error(`SMTP ${what}: expected ${code}, got "${line}"`);
}

export async function smtpSession(port, host = '127.0.0.1') {
  const sock = await LineSocket.open(port, host);
  expect(await reply(sock), '220', 'greeting');
  sock.write('EHLO bench.client.test\r\n');
  expect(await reply(sock), '250', 'EHLO');
  return sock;
}

/** Dot-stuffing plus the terminator, done once per message before timing. */
export function toDataPayload(raw) {
  let s = raw.toString('latin1');
  if (s.startsWith('.')) s = `.${s}`;
  s = s.replace(/\r\n\./g, '\r\n..');
  if (!s.endsWith('\r\n')) s += '\r\n';
  return Buffer.from(`${s}.\r\n`, 'latin1');
}

/**
 * messages: [{ from, to, payload (stuffed, terminated), messageId }]
 * returns { accepted, failed, elapsedMs, perSecond, p50, p99, firstSendAt, sentAt: Map(messageId → ms) }
 */
export async function smtpLoad({ port, host, messages, connections, onAccepted }) {
  let next = 0;
  const latencies = [];
  const errors = [];
  let accepted = 0;
  const start = performance.now();
  const worker = async () => {
    let sock;
    try {
      sock = await smtpSession(port, host);
      for (;;) {
        const i = next++;
        if (i >= messages.length) break;
        const m = messages[i];
        const t0 = performance.now();
        sock.write(`MAIL FROM:<${m.from}>\r\nRCPT TO:<${m.to}>\r\nDATA\r\n`);
        expect(await reply(sock), '250', 'MAIL');
        expect(await reply(sock), '250', 'RCPT');
        expect(await reply(sock), '354', 'DATA');
        sock.write(m.payload);
        expect(await reply(sock), '250', 'end of DATA');
        const t1 = performance.now();
        latencies.push(t1 - t0);
        accepted++;
        onAccepted?.(m, t0, t1);
      }
      sock.write('QUIT\r\n');
      await reply(sock).catch(() => undefined);
    } catch (err) {
      errors.push(err);
    } finally {
      sock?.close();
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsedMs = performance.now() - start;
  return { accepted, failed: messages.length - accepted, errors: errors.map((e) => e.message), elapsedMs, perSecond: (accepted / elapsedMs) * 1000, ...latencySummary(latencies) };
}
