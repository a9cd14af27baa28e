// Realistic ~10 KB messages: the headers a mail client and one relay add, multipart/alternative with a
// quoted-printable text part and an HTML part. Every message has a unique Message-ID. One in a hundred
// carries a rare word in its Subject and another rare word in its body, for the SEARCH figures.
import { randomBytes } from 'node:crypto';

export const SEARCH_SUBJECT = 'Zanzibar';
export const SEARCH_BODY = 'quixotically';

const WORDS = ('the of and to in is that for it as was with be by on not he this are or his from at which but have an they you were ' +
  'her she there been one all we their has would when if so no will more can out up about who other into only time some could ' +
  'report budget meeting schedule project review invoice customer delivery contract quarterly update please attached regards thanks').split(' ');

function sentence(rand) {
  const n = 8 + (rand() % 12);
  const w = [];
  for (let i = 0; i < n; i++) w.push(WORDS[rand() % WORDS.length]);
  w[0] = w[0][0].toUpperCase() + w[0].slice(1);
  return `${w.join(' ')}.`;
}

function rng(seed) {
  let x = seed * 2654435761 + 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

function wrap(text, width = 76) {
  const out = [];
  let line = '';
  for (const w of text.split(' ')) {
    if (line.length + w.length + 1 > width) {
      out.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) out.push(line);
  return out;
}

/**
 * One message as CRLF bytes, dot-stuffing not applied (SMTP clients stuff; nothing here starts a line with ".").
 * opts: { index, from, to, size = 10240, runId }
 */
export function makeMessage({ index, from, to, size = 10240, runId = 'r' }) {
  const rand = rng(index + 1);
  const rare = index % 100 === 7;
  const messageId = `<${runId}.${index}.${randomBytes(6).toString('hex')}@bench.test>`;
  const boundary = `----=_Part_${index}_${randomBytes(8).toString('hex')}`;
  const date = new Date(Date.UTC(2026, 0, 1) + index * 60_000).toUTCString().replace('GMT', '+0000');
  const subject = `${rare ? `${SEARCH_SUBJECT} ` : ''}Quarterly report ${index}: ${sentence(rand).slice(0, 40)}`;
  const head = [
    `Return-Path: <${from}>`,
    `Received: from client.example.net (client.example.net [192.0.2.10])`,
    `\tby mx.example.net with ESMTPS id ${randomBytes(5).toString('hex')}`,
    `\tfor <${to}>; ${date}`,
    `From: "Bench Sender" <${from}>`,
    `To: "Bench User" <${to}>`,
    `Subject: ${subject}`,
    `Date: ${date}`,
    `Message-ID: ${messageId}`,
    `MIME-Version: 1.0`,
    `X-Mailer: mail-bench 1.0`,
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
  ];
  const textLines = [];
  const htmlLines = [];
  let bytes = head.join('\r\n').length + 400;
  let para = 0;
  while (bytes < size) {
    const p = [sentence(rand), sentence(rand), sentence(rand)];
    if (rare && para === 1) p.push(`It was ${SEARCH_BODY} ambitious.`);
    const lines = wrap(p.join(' '));
    textLines.push(...lines, '');
    htmlLines.push('<p>', ...lines, '</p>');
    bytes += 2 * lines.reduce((a, l) => a + l.length + 2, 0) + 20;
    para++;
  }
  const body = [
    'This is a multi-part message in MIME format.',
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset="utf-8"',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    ...textLines,
    `--${boundary}`,
    'Content-Type: text/html; charset="utf-8"',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    '<html><body>',
    ...htmlLines,
    '</body></html>',
    `--${boundary}--`,
    '',
  ];
  return { messageId, raw: Buffer.from(`${head.join('\r\n')}\r\n\r\n${body.join('\r\n')}`, 'latin1') };
}
