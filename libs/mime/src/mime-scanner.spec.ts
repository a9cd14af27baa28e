import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bodyOf, checkOffsets, crlf, indexAll, lf, mimeHeaderOf } from './test-support.js';

describe('MimeScanner structure and offsets', () => {
  it('indexes multipart/alternative inside multipart/mixed with an attachment', () => {
    const raw = crlf(`From: Alice <alice@example.com>
To: Bob <bob@example.org>, carol@example.net
Subject: Report
Date: Mon, 2 Jan 2023 09:00:00 -0500
Message-ID: <m1@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

This is a multi-part message in MIME format.
--outer
Content-Type: multipart/alternative; boundary=inner

--inner
Content-Type: text/plain; charset=utf-8

Hello Bob,
see attached.
--inner
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

<p>Hello <b>Bob</b>,</p><p>see=20attached.</p>
--inner--

--outer
Content-Type: application/pdf; name="report.pdf"
Content-Disposition: attachment; filename="report.pdf"
Content-Transfer-Encoding: base64
Content-ID: <pdf1>
Content-Description: The report

JVBERi0xLjQKJcfs
j6IKMSAwIG9iago=
--outer--
epilogue
`);
    const idx = indexAll(raw);
    checkOffsets(idx.body, raw.length);
    assert.equal(idx.size, raw.length);
    assert.equal(idx.headerSize, raw.indexOf('\r\n\r\n') + 4);
    const [alt, pdf] = idx.body.parts!;
    assert.equal(idx.body.type, 'multipart');
    assert.equal(idx.body.lines, null);
    assert.equal(alt!.subtype, 'alternative');
    const [plain, html] = alt!.parts!;
    assert.equal(bodyOf(raw, plain!), 'Hello Bob,\r\nsee attached.');
    assert.equal(plain!.lines, 2);
    assert.equal(plain!.size, 25);
    assert.equal(mimeHeaderOf(raw, plain!), 'Content-Type: text/plain; charset=utf-8\r\n\r\n');
    assert.equal(bodyOf(raw, html!), '<p>Hello <b>Bob</b>,</p><p>see=20attached.</p>');
    assert.equal(html!.encoding, 'quoted-printable');
    // the alternative's body runs up to the CRLF before the outer delimiter, epilogue included
    assert.ok(bodyOf(raw, alt!).startsWith('--inner\r\n'));
    assert.ok(bodyOf(raw, alt!).endsWith('--inner--\r\n'));
    assert.equal(bodyOf(raw, pdf!), 'JVBERi0xLjQKJcfs\r\nj6IKMSAwIG9iago=');
    assert.equal(pdf!.lines, null);
    assert.deepEqual(pdf!.params, [['name', 'report.pdf']]);
    assert.deepEqual(pdf!.disposition, { type: 'attachment', params: [['filename', 'report.pdf']] });
    assert.equal(pdf!.encoding, 'base64');
    assert.equal(pdf!.id, '<pdf1>');
    assert.equal(pdf!.description, 'The report');
    // white space collapsed: the HTML alternative says what the text/plain one says, and is kept once
    assert.equal(idx.text, 'Hello Bob, see attached.');
    assert.doesNotMatch(idx.text, /JVBER/);
    assert.equal(idx.envelope.messageId, '<m1@example.com>');
    assert.equal(idx.sentDate, '2023-01-02T14:00:00.000Z');
    assert.deepEqual(idx.envelope.to, [
      { name: 'Bob', adl: null, mailbox: 'bob', host: 'example.org' },
      { name: null, adl: null, mailbox: 'carol', host: 'example.net' },
    ]);
  });

  it('indexes a forwarded message/rfc822 with its own envelope and structure', () => {
    const raw = crlf(`From: a@example.com
Subject: Fwd: hi
Content-Type: multipart/mixed; boundary=b1

--b1
Content-Type: text/plain

See below.
--b1
Content-Type: message/rfc822
Content-Disposition: inline

From: =?iso-8859-1?q?J=F6rg?= <jorg@example.de>
To: team:a@x.org,b@y.org;
Subject: =?utf-8?b?w6l0w6k=?=
Date: 3 Feb 2020 10:00 GMT
Content-Type: multipart/alternative; boundary=b2

--b2
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

Gr=FC=DFe
--b2
Content-Type: text/html

<div>hi &amp; bye</div>
--b2--
--b1--
`);
    const idx = indexAll(raw);
    checkOffsets(idx.body, raw.length);
    const fwd = idx.body.parts![1]!;
    assert.equal(fwd.type, 'message');
    assert.equal(fwd.subtype, 'rfc822');
    assert.ok(fwd.message);
    const inner = fwd.message.body;
    assert.equal(inner.headerStart, fwd.bodyStart);
    assert.ok(mimeHeaderOf(raw, inner).startsWith('From: =?iso-8859-1?q?J=F6rg?='));
    assert.equal(inner.parts!.length, 2);
    assert.equal(bodyOf(raw, inner.parts![0]!), 'Gr=FC=DFe');
    assert.equal(bodyOf(raw, inner.parts![1]!), '<div>hi &amp; bye</div>');
    assert.equal(fwd.message.envelope.subject, '=?utf-8?b?w6l0w6k=?=');
    assert.deepEqual(fwd.message.envelope.from, [{ name: '=?iso-8859-1?q?J=F6rg?=', adl: null, mailbox: 'jorg', host: 'example.de' }]);
    assert.deepEqual(fwd.message.envelope.to, [
      { name: null, adl: null, mailbox: 'team', host: null },
      { name: null, adl: null, mailbox: 'a', host: 'x.org' },
      { name: null, adl: null, mailbox: 'b', host: 'y.org' },
      { name: null, adl: null, mailbox: null, host: null },
    ]);
    // lines of the rfc822 part count the whole encapsulated message
    const fwdBody = bodyOf(raw, fwd);
    assert.equal(fwd.lines, fwdBody.split('\r\n').length);
    assert.match(idx.text, /See below\./);
    assert.match(idx.text, /Grüße/);
    assert.match(idx.text, /hi & bye/);
  });

  it('gives an rfc822 part without a body an empty message', () => {
    const raw = crlf(`Content-Type: message/rfc822

Subject: only headers
`);
    const idx = indexAll(raw);
    assert.equal(idx.body.message!.envelope.subject, 'only headers');
    assert.equal(idx.body.message!.body.size, 0);
    assert.equal(idx.body.message!.body.bodyStart, raw.length);
  });

  it('applies the IMAP defaults', () => {
    const raw = crlf(`Subject: plain

body
`);
    const idx = indexAll(raw);
    assert.equal(idx.body.type, 'text');
    assert.equal(idx.body.subtype, 'plain');
    assert.deepEqual(idx.body.params, [['charset', 'us-ascii']]);
    assert.equal(idx.body.encoding, '7bit');
    assert.equal(idx.body.size, 6);
    assert.equal(idx.body.lines, 1);
    assert.equal(idx.envelope.from, null);
    assert.equal(idx.envelope.sender, null);
  });

  it('counts a last line without a line break', () => {
    const idx = indexAll(lf('Subject: x\n\none\ntwo'));
    assert.equal(idx.body.lines, 2);
    assert.equal(idx.body.size, 7);
  });

  it('handles bare LF line ends with exact offsets', () => {
    const raw = lf('Content-Type: multipart/mixed; boundary=q\n\n--q\nContent-Type: text/plain\n\nA\nB\n--q\n\nC\n--q--\n');
    const idx = indexAll(raw);
    checkOffsets(idx.body, raw.length);
    assert.equal(bodyOf(raw, idx.body.parts![0]!), 'A\nB');
    assert.equal(idx.body.parts![0]!.lines, 2);
    assert.equal(bodyOf(raw, idx.body.parts![1]!), 'C');
    assert.equal(mimeHeaderOf(raw, idx.body.parts![1]!), '\n');
  });

  it('keeps a blank line before the boundary in the part body, minus the boundary CRLF', () => {
    const raw = crlf('Content-Type: multipart/mixed; boundary=q\n\n--q\n\nA\n\n--q--\n');
    const idx = indexAll(raw);
    assert.equal(bodyOf(raw, idx.body.parts![0]!), 'A\r\n');
    assert.equal(idx.body.parts![0]!.lines, 1);
  });

  it('closes parts when the final boundary is missing', () => {
    const raw = crlf('Content-Type: multipart/mixed; boundary=q\n\n--q\n\nA\n--q\n\nB\n');
    const idx = indexAll(raw);
    assert.equal(idx.body.parts!.length, 2);
    assert.equal(bodyOf(raw, idx.body.parts![1]!), 'B\r\n');
    assert.equal(idx.body.parts![1]!.bodyEnd, raw.length);
  });

  it('lets an outer boundary close unterminated inner multiparts', () => {
    const raw = crlf(`Content-Type: multipart/mixed; boundary=outer

--outer
Content-Type: multipart/alternative; boundary=inner

--inner

one
--outer

two
--outer--
`);
    const idx = indexAll(raw);
    checkOffsets(idx.body, raw.length);
    const [alt, two] = idx.body.parts!;
    assert.equal(bodyOf(raw, alt!.parts![0]!), 'one');
    assert.equal(bodyOf(raw, two!), 'two');
  });

  it('does not take a longer boundary that starts with the real one for a delimiter', () => {
    const raw = crlf('Content-Type: multipart/mixed; boundary=b\n\n--b\n\n--bb\n--b-\n--b --\n--b  \n\nx\n--b--\n');
    const idx = indexAll(raw);
    assert.equal(idx.body.parts!.length, 2);
    assert.equal(bodyOf(raw, idx.body.parts![0]!), '--bb\r\n--b-\r\n--b --');
  });

  it('accepts transport padding after a boundary', () => {
    const raw = crlf('Content-Type: multipart/mixed; boundary=b\n\n--b \t\n\nx\n--b-- \n');
    const idx = indexAll(raw);
    assert.equal(bodyOf(raw, idx.body.parts![0]!), 'x');
  });

  it('handles parts with headers but no blank line, and empty parts', () => {
    const raw = crlf('Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/html\n--b\n--b\n\n--b--\n');
    const idx = indexAll(raw);
    checkOffsets(idx.body, raw.length);
    const [p1, p2, p3] = idx.body.parts!;
    assert.equal(p1!.subtype, 'html');
    assert.equal(p1!.size, 0);
    assert.equal(mimeHeaderOf(raw, p1!), 'Content-Type: text/html');
    assert.equal(p2!.size, 0);
    assert.equal(p3!.size, 0);
    assert.equal(p3!.lines, 0);
  });

  it('reads a message with no blank line as all header', () => {
    const raw = crlf('Subject: x\nFrom: a@b');
    const idx = indexAll(raw);
    assert.equal(idx.headerSize, raw.length);
    assert.equal(idx.body.size, 0);
    assert.equal(idx.envelope.subject, 'x');
  });

  it('reads a message starting with a blank line as headerless', () => {
    const raw = crlf('\nbody only\n');
    const idx = indexAll(raw);
    assert.equal(idx.headerSize, 2);
    assert.equal(bodyOf(raw, idx.body), 'body only\r\n');
    assert.deepEqual(idx.headers, []);
  });

  it('indexes an empty message', () => {
    const idx = indexAll(Buffer.alloc(0));
    assert.equal(idx.size, 0);
    assert.equal(idx.headerSize, 0);
    assert.equal(idx.body.size, 0);
    assert.equal(idx.body.lines, 0);
    assert.equal(idx.text, '');
  });

  it('keeps 8-bit bytes and CR-only oddities exact', () => {
    const raw = Buffer.concat([
      crlf('Content-Type: multipart/mixed; boundary=b\nSubject: caf'),
      Buffer.from([0xe9, 0x0d, 0x0a, 0x0d, 0x0a]),
      crlf('--b\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\n'),
      Buffer.from([0x61, 0xe9, 0x0d, 0x62, 0x0d, 0x0d, 0x0a]),
      crlf('--b--'),
    ]);
    const idx = indexAll(raw);
    const part = idx.body.parts![0]!;
    assert.deepEqual([...raw.subarray(part.bodyStart, part.bodyEnd)], [0x61, 0xe9, 0x0d, 0x62, 0x0d]);
    assert.equal(idx.envelope.subject, 'caf\u00e9');
    assert.match(idx.text, /aé b/, 'a lone CR is white space to search');
  });

  it('uses the first valid Content-Type and defaults a malformed one', () => {
    const dup = indexAll(crlf('Content-Type: text/html\nContent-Type: text/plain\n\nx'));
    assert.equal(dup.body.subtype, 'html');
    const bad = indexAll(crlf('Content-Type: garbage\n\nx'));
    assert.equal(bad.body.type, 'text');
    assert.deepEqual(bad.body.params, [['charset', 'us-ascii']]);
    const skip = indexAll(crlf('Content-Type: ;;\nContent-Type: image/png (comment); name=a.png\n\nx'));
    assert.equal(skip.body.type, 'image');
    assert.deepEqual(skip.body.params, [['name', 'a.png']]);
  });

  it('defaults multipart/digest children to message/rfc822', () => {
    const raw = crlf('Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: one\n\nbody\n--d--\n');
    const idx = indexAll(raw);
    const child = idx.body.parts![0]!;
    assert.equal(child.type, 'message');
    assert.equal(child.message!.envelope.subject, 'one');
  });

  it('reports a multipart without boundary, or a multipart with no parts, in a form IMAP can print', () => {
    const noBoundary = indexAll(crlf('Content-Type: multipart/mixed\n\n--x\n\nbody\n'));
    assert.equal(noBoundary.body.type, 'application');
    assert.equal(noBoundary.body.parts, undefined);
    const empty = indexAll(crlf('Content-Type: multipart/mixed; boundary=x\n\nno parts here\n'));
    assert.equal(empty.body.parts!.length, 1);
    assert.equal(empty.body.parts![0]!.size, 0);
  });

  it('treats base64-encoded message/rfc822 as opaque', () => {
    const idx = indexAll(crlf('Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\nU3ViamVjdDogeA==\n'));
    assert.equal(idx.body.type, 'application');
    assert.equal(idx.body.message, undefined);
  });

  it('decodes text in other charsets and encodings for search', () => {
    const raw = crlf(`Content-Type: multipart/mixed; boundary=c

--c
Content-Type: text/plain; charset=koi8-r
Content-Transfer-Encoding: base64

${Buffer.from([0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4]).toString('base64')}
--c
Content-Type: text/plain; charset="windows-1252"
Content-Transfer-Encoding: quoted-printable

price =80 10=
0
--c
Content-Type: text/plain; charset=shift_jis
Content-Transfer-Encoding: base64

${Buffer.from([0x82, 0xb1, 0x82, 0xf1, 0x82, 0xc9, 0x82, 0xbf, 0x82, 0xcd]).toString('base64')}
--c--
`);
    const idx = indexAll(raw);
    assert.match(idx.text, /Привет/);
    assert.match(idx.text, /price € 100/);
    assert.match(idx.text, /こんにちは/);
  });

  it('keeps each different text part, one per line, and a repeated one once', () => {
    const raw = crlf(
      'Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nfirst\n  part\n--b\n' +
        'Content-Type: text/html\n\n<p>first</p>\n<p>part</p>\n--b\nContent-Type: text/plain\n\nsecond\tpart\n--b--\n',
    );
    assert.equal(indexAll(raw).text, 'first part\nsecond part');
  });

  it('caps the decoded text', () => {
    const line = 'abcdefghij'.repeat(10) + '\n';
    const raw = crlf('Subject: big\n\n' + line.repeat(5000));
    const idx = indexAll(raw);
    // the cap is on the decoded bytes kept; their line breaks then collapse to spaces
    assert.ok(idx.text.length <= 256 * 1024 && idx.text.length > 250 * 1024, `${idx.text.length}`);
    assert.equal(idx.body.lines, 5000);
  });

  it('decodes header values for search', () => {
    const idx = indexAll(crlf('Subject: =?utf-8?q?caf=C3=A9?=\n =?utf-8?b?IGF1IGxhaXQ=?=\nX-Custom:   spaced  \n\n'));
    assert.deepEqual(idx.headers, [
      ['subject', 'café au lait'],
      ['x-custom', 'spaced'],
    ]);
  });
});

describe('MimeScanner on hostile input', () => {
  it('caps the nesting depth without exhausting the stack', () => {
    const depth = 10_000;
    const parts: string[] = [];
    for (let i = 0; i < depth; i++) parts.push(`Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}\r\n`);
    parts.push('\r\nleaf\r\n');
    for (let i = depth - 1; i >= 0; i--) parts.push(`--b${i}--\r\n`);
    const raw = Buffer.from(parts.join(''));
    const idx = indexAll(raw);
    let level = 0;
    let part = idx.body;
    while (part.parts) {
      part = part.parts[0]!;
      level++;
    }
    assert.ok(level <= 50, `depth ${level}`);
    assert.equal(part.type, 'application');
    checkOffsets(idx.body, raw.length);
  });

  it('caps nested message/rfc822 depth too', () => {
    const raw = Buffer.from('Content-Type: message/rfc822\r\n\r\n'.repeat(5000) + 'x');
    const idx = indexAll(raw);
    let level = 0;
    let part = idx.body;
    while (part.message) {
      part = part.message.body;
      level++;
    }
    assert.ok(level < 50);
    checkOffsets(idx.body, raw.length);
  });

  it('survives random bytes', () => {
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const alphabet = Buffer.from('-\r\n:; =\t"abcB\x00\xff');
    for (let round = 0; round < 30; round++) {
      const n = Math.floor(rand() * 2000);
      const raw = Buffer.alloc(n);
      for (let i = 0; i < n; i++) raw[i] = rand() < 0.5 ? alphabet[Math.floor(rand() * alphabet.length)]! : Math.floor(rand() * 256);
      const withMime = Buffer.concat([crlf('Content-Type: multipart/mixed; boundary=b\n\n--b\n'), raw]);
      for (const r of [raw, withMime]) {
        const idx = indexAll(r);
        checkOffsets(idx.body, r.length);
      }
    }
  });

  it('survives huge header lines, keeping offsets exact', () => {
    const huge = 'x'.repeat(3 * 1024 * 1024);
    const raw = crlf(`To: ${huge}\nSubject: after\n\nbody`);
    const idx = indexAll(raw);
    assert.equal(idx.headerSize, raw.length - 4);
    assert.equal(bodyOf(raw, idx.body), 'body');
  });

  it('survives a very long line that starts like a boundary', () => {
    const raw = crlf(`Content-Type: multipart/mixed; boundary=b\n\n--b\n\n--b${' '.repeat(5000)}\nx\n--b--\n`);
    const idx = indexAll(raw);
    assert.equal(idx.body.parts!.length, 1);
    assert.ok(bodyOf(raw, idx.body.parts![0]!).endsWith('x'));
  });

  it('caps the number of parts', async () => {
    const { indexMessageBuffer } = await import('./message-indexer.js');
    const raw = crlf('Content-Type: multipart/mixed; boundary=b\n\n' + '--b\n\nx\n'.repeat(100) + '--b--\n');
    const idx = indexMessageBuffer(raw, { maxParts: 10 });
    assert.equal(idx.body.parts!.length, 9);
    checkOffsets(idx.body, raw.length);
  });
});
