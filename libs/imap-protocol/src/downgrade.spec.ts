import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { serializeBodyStructure, serializeEnvelope, type ImapBodyPart, type ImapEnvelope } from './body-structure.js';
import { downgradeAddressList, downgradeBodyStructure, downgradeEnvelope, downgradeSerializedEnvelope, downgradeText, encodeWords, parseEnvelope, rfc2231Value } from './downgrade.js';
import { downgradeAddressField, downgradeHeaderBlock, downgradeParameterField } from './downgrade-header.js';

/** RFC 2047 decoding, enough to check what we encode round-trips (UTF-8 words only). */
function decodeWords(s: string): string {
  return s.replace(/=\?UTF-8\?([QB])\?([^?]*)\?=(\s+(?==\?UTF-8\?))?/g, (_, enc: string, text: string) => {
    if (enc === 'B') return Buffer.from(text, 'base64').toString('utf8');
    const bytes: number[] = [];
    for (let i = 0; i < text.length; i++) {
      if (text[i] === '_') bytes.push(0x20);
      else if (text[i] === '=') {
        bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
        i += 2;
      } else bytes.push(text.charCodeAt(i));
    }
    return Buffer.from(bytes).toString('utf8');
  });
}

const isSevenBit = (s: string) => [...s].every((c) => c.charCodeAt(0) < 0x7f);

const env = (o: Partial<ImapEnvelope>): ImapEnvelope => ({ date: null, subject: null, from: null, sender: null, replyTo: null, to: null, cc: null, bcc: null, inReplyTo: null, messageId: null, ...o });

describe('RFC 6857 downgrade (ADR 0066)', () => {
  it('encodes words within 75 characters, never splitting a character, and decodes back', () => {
    for (const text of ['Grüße', '日本語のテキスト'.repeat(20), '😀 emoji and ascii mixed 😀'.repeat(10), 'a'.repeat(200) + 'é', '\uFFFD\uFFFD bad bytes', 'x\u0000y\r\nz']) {
      const encoded = encodeWords(text);
      assert.ok(isSevenBit(encoded), encoded);
      for (const word of encoded.split(' ')) assert.ok(word.length <= 75 && /^=\?UTF-8\?[QB]\?[^? ]*\?=$/.test(word), word);
      assert.equal(decodeWords(encoded), text);
    }
    // a lone surrogate (text that was not valid UTF-16) goes as U+FFFD, like invalid UTF-8 did on the way in
    assert.equal(decodeWords(encodeWords('a\uD800b')), 'a\uFFFDb');
  });

  it('keeps ASCII text and the sender\'s encoded-words, and joins runs so that spaces survive decoding', () => {
    const ascii = 'Re: plain =?iso-8859-1?q?caf=E9?=';
    assert.equal(downgradeText(ascii), ascii);
    assert.equal(downgradeText('Re: Grüße aus Köln'), 'Re: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= aus =?UTF-8?Q?K=C3=B6ln?=');
    // two non-ASCII words next to each other are one run (the space between two encoded-words would be lost)
    assert.equal(decodeWords(downgradeText('Grüße Köln')), 'Grüße Köln');
    // next to an encoded-word of the sender's, the space goes inside ours
    const mixed = downgradeText('Köln =?iso-8859-1?q?caf=E9?=');
    assert.match(mixed, /^=\?UTF-8\?Q\?K=C3=B6ln_\?= =\?iso-8859-1\?q\?caf=E9\?=$/);
    // an overlong subject: many words, each within the limit
    const long = downgradeText('Ü'.repeat(100_000));
    assert.ok(isSevenBit(long) && long.split(' ').every((w) => w.length <= 75));
  });

  it('downgrades addresses: names encoded, domains to A-labels, UTF-8 local parts to an empty group (RFC 6857)', () => {
    const out = downgradeAddressList([
      { name: 'Jörg', adl: null, mailbox: 'joerg', host: 'bücher.example' },
      { name: null, adl: null, mailbox: 'ü', host: 'x.example' },
      { name: 'Ok', adl: null, mailbox: 'ok', host: 'ok.example' },
    ]);
    assert.deepEqual(out, [
      { name: '=?UTF-8?Q?J=C3=B6rg?=', adl: null, mailbox: 'joerg', host: 'xn--bcher-kva.example' },
      { name: null, adl: null, mailbox: encodeWords('<ü@x.example>'), host: null },
      { name: null, adl: null, mailbox: null, host: null },
      { name: 'Ok', adl: null, mailbox: 'ok', host: 'ok.example' },
    ]);
    // groups do not nest: inside a group the address joins the group's name
    const grouped = downgradeAddressList([
      { name: null, adl: null, mailbox: 'Team', host: null },
      { name: null, adl: null, mailbox: 'ä', host: 'b.example' },
      { name: null, adl: null, mailbox: 'c', host: 'd.example' },
      { name: null, adl: null, mailbox: null, host: null },
    ]);
    assert.equal(grouped?.length, 3);
    assert.equal(decodeWords(grouped![0].mailbox!), 'Team <ä@b.example>');
    // a domain that has no A-label (not a domain at all) makes the address a group too
    const bad = downgradeAddressList([{ name: null, adl: null, mailbox: 'x', host: 'ü ü..' }]);
    assert.equal(bad?.[0].host, null);
    assert.equal(decodeWords(bad![0].mailbox!), '<x@ü ü..>');
    const same = [{ name: 'a', adl: null, mailbox: 'b', host: 'c' }];
    assert.equal(downgradeAddressList(same), same);
  });

  it('downgrades an ENVELOPE: every string 7-bit, UTF-8 message ids and dates NIL, and reads its own serialisation back', () => {
    const e = env({
      date: 'Mon, 1 Jan 2024 10:00:00 +0100 (MÉZ)',
      subject: 'Grüße "quoted" \\ backslash',
      from: [{ name: 'Jörg', adl: null, mailbox: 'jörg', host: 'bücher.example' }],
      to: [{ name: null, adl: null, mailbox: 'a', host: 'b.example' }],
      inReplyTo: '<ä@x>',
      messageId: '<ok@x>',
    });
    const down = downgradeEnvelope(e);
    const text = serializeEnvelope(down);
    assert.ok(isSevenBit(text), text);
    assert.ok(!text.includes('{'), 'no literal: every string fits a quoted string');
    assert.equal(down.date, null);
    assert.equal(down.inReplyTo, null);
    assert.equal(down.messageId, '<ok@x>');
    assert.equal(decodeWords(down.subject!), e.subject);
    assert.equal(downgradeEnvelope(env({ subject: 'plain' })).subject, 'plain');

    // the store's serialised form (literals for the UTF-8 strings) parses back to the same envelope
    const serialised = serializeEnvelope(e);
    assert.deepEqual(parseEnvelope(serialised), { ...e, sender: e.from, replyTo: e.from });
    assert.equal(downgradeSerializedEnvelope(serialised), serializeEnvelope(downgradeEnvelope({ ...e, sender: e.from, replyTo: e.from })));
    const ascii = serializeEnvelope(env({ subject: 'x' }));
    assert.equal(downgradeSerializedEnvelope(ascii), ascii);
    // what is not an envelope is sent as it is rather than guessed at
    for (const junk of ['(', '(NIL "ü"', '(NIL {99}\r\nü NIL NIL NIL NIL NIL NIL NIL NIL)', 'ü', '(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) extra ü', '({3}\r\nü NIL NIL NIL NIL NIL NIL NIL NIL NIL)']) {
      assert.equal(downgradeSerializedEnvelope(junk), junk, JSON.stringify(junk));
    }
  });

  it('downgrades a BODYSTRUCTURE: parameters by RFC 2231, descriptions encoded, nested messages too, offsets kept', () => {
    const leaf = (o: Partial<ImapBodyPart>): ImapBodyPart => ({
      type: 'text', subtype: 'plain', params: [['charset', 'utf-8']], id: null, description: null, encoding: '8bit', size: 3, lines: 1, md5: null,
      disposition: null, language: null, location: null, headerStart: 10, bodyStart: 20, bodyEnd: 23, ...o,
    });
    const inner = leaf({ params: [['name', 'Prüfung.pdf']], disposition: { type: 'attachment', params: [['filename', 'Prüfung.pdf'], ['ü', 'dropped']] }, description: 'Bericht – 二', language: ['dé'] });
    const message = leaf({ type: 'message', subtype: 'rfc822', message: { envelope: env({ subject: 'Über' }), body: leaf({}) } });
    const root: ImapBodyPart = leaf({ type: 'multipart', subtype: 'mixed', params: [], parts: [leaf({}), inner, message] });
    const down = downgradeBodyStructure(root);
    const text = serializeBodyStructure(down, true);
    assert.ok(isSevenBit(text), text);
    assert.deepEqual(down.parts![1].params, [['name*', "utf-8''Pr%C3%BCfung.pdf"]]);
    assert.deepEqual(down.parts![1].disposition, { type: 'attachment', params: [['filename*', "utf-8''Pr%C3%BCfung.pdf"]] });
    assert.equal(decodeWords(down.parts![1].description!), 'Bericht – 二');
    assert.equal(decodeWords(down.parts![2].message!.envelope.subject!), 'Über');
    assert.equal(down.parts![1].bodyStart, 20);
    // untouched parts stay the same objects; an ASCII structure is returned as it is
    assert.equal(down.parts![0], root.parts![0]);
    assert.equal(downgradeBodyStructure(root.parts![0]), root.parts![0]);
    // a structure nested past the limit does not recurse for ever
    let deep: ImapBodyPart = leaf({ description: 'ü' });
    for (let i = 0; i < 10_000; i++) deep = leaf({ type: 'multipart', subtype: 'mixed', parts: [deep] });
    assert.doesNotThrow(() => downgradeBodyStructure(deep));
    assert.equal(rfc2231Value("a b'%*ü"), "utf-8''a%20b%27%25%2A%C3%BC");
  });

  it('rewrites only the header fields with 8-bit bytes, keeping line ends, folding long values', () => {
    const ascii = Buffer.from('Subject: plain\r\nFrom: a@b\r\n\r\n');
    assert.equal(downgradeHeaderBlock(ascii), ascii);
    const block = Buffer.from(
      [
        'Received: from x by y; Mon, 1 Jan 2024 10:00:00 +0000',
        'Subject: Grüße',
        '  aus Köln',
        'From: "Jörg M" <jörg@bücher.example>, Bob <bob@x>',
        'Cc: =?iso-8859-1?q?J=F6rg?= <joerg@bücher.example>',
        'References: <a@x> <ä@x>',
        'Content-Type: text/plain; charset=utf-8; name="Prüfung.pdf"',
        'X-Long: ' + 'Ü'.repeat(500),
        'Ümlaut-Name: value',
        '',
        '',
      ].join('\r\n'),
    );
    const out = downgradeHeaderBlock(block).toString('latin1');
    assert.ok(isSevenBit(out));
    assert.ok(out.startsWith('Received: from x by y; Mon, 1 Jan 2024 10:00:00 +0000\r\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= aus =?UTF-8?Q?K=C3=B6ln?=\r\n'), out);
    assert.ok(out.includes('\r\nCc: =?iso-8859-1?q?J=F6rg?= <joerg@xn--bcher-kva.example>\r\n'), out);
    assert.ok(out.includes('\r\nDowngraded-References: <a@x> =?UTF-8?Q?=3C=C3=A4=40x=3E?=\r\n'), out);
    assert.ok(out.includes("\r\nContent-Type: text/plain; charset=utf-8; name*=utf-8''Pr%C3%BCfung.pdf\r\n"), out);
    assert.ok(out.endsWith('\r\n\r\n'));
    assert.ok(!out.split('\r\n').some((line) => line.length > 78), 'folded');
    assert.ok(!/\n(?!\r?\n|[ \t]|$)[^:\r\n]*\r?\n/.test(out.replace(/\r\n[ \t]/g, ' ')), 'every line is a field');
    // bare LF blocks keep LF
    assert.equal(downgradeHeaderBlock(Buffer.from('Subject: ü\n\n')).toString(), 'Subject: =?UTF-8?Q?=C3=BC?=\n\n');
    // invalid UTF-8 bytes and a last field without a line end
    assert.equal(downgradeHeaderBlock(Buffer.from([...Buffer.from('Subject: a'), 0xff, 0xfe])).toString(), 'Subject: =?UTF-8?Q?a=EF=BF=BD=EF=BF=BD?=');
    // a line that is no field, with 8-bit bytes, is left out; an ASCII one stays
    assert.equal(downgradeHeaderBlock(Buffer.from('junk ü\r\nnot a field\r\nSubject: x\r\n')).toString(), 'not a field\r\nSubject: x\r\n');
  });

  it('reads address and parameter fields tolerantly', () => {
    assert.equal(downgradeAddressField('"Müller, Jörg" <j@x>, c@d'), '=?UTF-8?Q?M=C3=BCller=2C_J=C3=B6rg?= <j@x>, c@d');
    assert.equal(decodeWords(downgradeAddressField('ü@x').replace(/ :;$/, '')), '<ü@x>');
    assert.equal(downgradeAddressField('Team: ü@x, a@b;'), `Team ${encodeWords('<ü@x>')}: a@b;`);
    // unbalanced quotes, brackets and comments do not throw and yield 7-bit text
    for (const v of ['"ü <a@b', 'ü <<<>>> ,,, ;;; ::', '(ü (nested) a@b', '\\"ü"@x', 'ü'.repeat(10_000)]) {
      assert.ok(isSevenBit(downgradeAddressField(v)), v);
    }
    assert.equal(downgradeParameterField('attachment; filename="Prüfung.pdf"; size=3'), "attachment; filename*=utf-8''Pr%C3%BCfung.pdf; size=3");
    assert.equal(downgradeParameterField('text/plain; ü=1; a="x;ü"'), "text/plain; a*=utf-8''x%3B%C3%BC");
  });
});
