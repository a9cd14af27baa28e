import { domainToASCII } from 'node:url';
import { serializeEnvelope, type ImapAddress, type ImapBodyPart, type ImapEnvelope } from './body-structure.js';

/**
 * RFC 6855 3 and 5, RFC 6857: what a session that enabled neither UTF8=ACCEPT nor IMAP4rev2 (RFC 9051
 * takes UTF-8 in) is shown of a message stored with UTF-8 header fields (SMTPUTF8 mail, UTF-8
 * APPENDs). Nothing here is sent raw: free text becomes RFC 2047 encoded-words, a domain its A-label,
 * an address whose local part is not ASCII an empty group named after it (RFC 6857 3.1.x, as
 * `=?UTF-8?Q?...?= :;`), a message id that is not ASCII NIL (in the header: `Downgraded-Message-ID`),
 * a MIME parameter RFC 2231's `name*=utf-8''...`. ASCII input comes back as it was (the same object),
 * so the common case costs one scan. Input is whatever the store kept: invalid UTF-8 has become
 * U+FFFD on the way in, which is encoded like any other character.
 */

/** RFC 2047 2: an encoded-word is at most 75 characters: `=?UTF-8?Q?` + payload + `?=` */
const MAX_PAYLOAD = 75 - '=?UTF-8?Q??='.length;

export function hasNonAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7e) return true;
  return false;
}

/** RFC 2047 5(3): the characters a Q-encoded word may carry as themselves anywhere a phrase may stand */
function qLiteral(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x21 || c === 0x2a || c === 0x2b || c === 0x2d || c === 0x2f;
}

const HEX = '0123456789ABCDEF';

/** One character (a whole code point) Q-encoded. */
function qChar(ch: string): string {
  if (ch === ' ') return '_';
  const bytes = Buffer.from(ch, 'utf8');
  if (bytes.length === 1 && qLiteral(bytes[0])) return ch;
  let out = '';
  for (const b of bytes) out += '=' + HEX[b >> 4] + HEX[b & 15];
  return out;
}

/**
 * `text` as encoded-words (Q or B, whichever is shorter for it), separated by single spaces, each
 * within 75 characters and never splitting a character (RFC 2047 5, 6.3).
 */
export function encodeWords(text: string): string {
  const chars = Array.from(text);
  const q = chars.map(qChar);
  const qLength = q.reduce((n, s) => n + s.length, 0);
  const bytes = Buffer.byteLength(text, 'utf8');
  const words: string[] = [];
  if (qLength <= Math.ceil(bytes / 3) * 4 + 8) {
    let cur = '';
    for (const piece of q) {
      if (cur.length + piece.length > MAX_PAYLOAD && cur) {
        words.push(`=?UTF-8?Q?${cur}?=`);
        cur = '';
      }
      cur += piece;
    }
    if (cur || !words.length) words.push(`=?UTF-8?Q?${cur}?=`);
  } else {
    // B: 63 base64 characters hold 45 bytes (whole groups of three)
    const maxBytes = Math.floor(MAX_PAYLOAD / 4) * 3;
    let cur: Buffer[] = [];
    let n = 0;
    for (const ch of chars) {
      const b = Buffer.from(ch, 'utf8');
      if (n + b.length > maxBytes && n) {
        words.push(`=?UTF-8?B?${Buffer.concat(cur).toString('base64')}?=`);
        cur = [];
        n = 0;
      }
      cur.push(b);
      n += b.length;
    }
    words.push(`=?UTF-8?B?${Buffer.concat(cur).toString('base64')}?=`);
  }
  return words.join(' ');
}

const looksEncoded = (word: string) => word.startsWith('=?') && word.endsWith('?=') && word.length >= 8;

/**
 * Unstructured text (a subject, a display name, a description) for a 7-bit reader: the runs of
 * words that are not ASCII become encoded-words, ASCII words (an encoded-word the sender wrote
 * included) stay. White space next to an encoded-word the sender wrote goes inside ours, since a
 * decoder drops the space between two encoded-words (RFC 2047 6.2). Runs of white space (line
 * breaks included) become one space.
 */
export function downgradeText(text: string): string {
  if (!hasNonAscii(text)) return text;
  const words = text.split(/[ \t\r\n]+/).filter((w) => w.length > 0);
  const out: string[] = [];
  for (let i = 0; i < words.length; ) {
    if (!hasNonAscii(words[i])) {
      out.push(words[i++]);
      continue;
    }
    let j = i;
    while (j < words.length && hasNonAscii(words[j])) j++;
    let run = words.slice(i, j).join(' ');
    if (i > 0 && looksEncoded(words[i - 1])) run = ' ' + run;
    if (j < words.length && looksEncoded(words[j])) run += ' ';
    out.push(encodeWords(run));
    i = j;
  }
  return out.join(' ');
}

/** A domain as a 7-bit reader takes it: its A-labels (IDNA); null when it cannot be converted. */
export function asciiDomain(domain: string): string | null {
  if (!hasNonAscii(domain)) return domain;
  const a = domainToASCII(domain);
  return a && !hasNonAscii(a) ? a : null;
}

/** The text an address that cannot be shown as an address is shown as: the name and the address, encoded. */
function addressAsText(a: { name: string | null; mailbox: string | null; host: string | null }): string {
  const spec = `<${a.mailbox ?? ''}@${a.host ?? ''}>`;
  return encodeWords(a.name ? `${a.name} ${spec}` : spec);
}

/**
 * One address list of an ENVELOPE (RFC 3501 7.4.2: group start `(NIL NIL name NIL)`, group end
 * `(NIL NIL NIL NIL)`). A mailbox whose local part is not ASCII (or whose domain has no A-label)
 * becomes an empty group named by its encoded text (RFC 6857); inside a group, where groups do not
 * nest, that text is added to the group's name instead.
 */
export function downgradeAddressList(list: ImapAddress[] | null): ImapAddress[] | null {
  if (!list || !list.some((a) => hasNonAscii(a.name ?? '') || hasNonAscii(a.mailbox ?? '') || hasNonAscii(a.host ?? '') || hasNonAscii(a.adl ?? ''))) return list;
  const out: ImapAddress[] = [];
  let group: ImapAddress | null = null;
  for (const a of list) {
    if (a.host === null && a.mailbox !== null) {
      group = { name: null, adl: null, mailbox: downgradeText(a.mailbox), host: null };
      out.push(group);
      continue;
    }
    if (a.host === null && a.mailbox === null) {
      group = null;
      out.push(a);
      continue;
    }
    const name = a.name === null ? null : downgradeText(a.name);
    const adl = a.adl !== null && hasNonAscii(a.adl) ? null : a.adl;
    const host = a.host === null ? null : asciiDomain(a.host);
    if (!hasNonAscii(a.mailbox ?? '') && host !== null) {
      out.push({ name, adl, mailbox: a.mailbox, host });
      continue;
    }
    const text = addressAsText(a);
    if (group) group.mailbox = `${group.mailbox} ${text}`;
    else out.push({ name: null, adl: null, mailbox: text, host: null }, { name: null, adl: null, mailbox: null, host: null });
  }
  return out;
}

/** A message id (or In-Reply-To) that is not ASCII: RFC 6857 moves it to a Downgraded- field, so ENVELOPE has none. */
const asciiOrNull = (s: string | null) => (s !== null && hasNonAscii(s) ? null : s);

/** ENVELOPE for a 7-bit reader; the same object when it is ASCII already. */
export function downgradeEnvelope(env: ImapEnvelope): ImapEnvelope {
  const fields = [env.date, env.subject, env.inReplyTo, env.messageId];
  const lists = [env.from, env.sender, env.replyTo, env.to, env.cc, env.bcc];
  if (!fields.some((f) => f !== null && hasNonAscii(f)) && !lists.some((l) => l?.some((a) => hasNonAscii(a.name ?? '') || hasNonAscii(a.mailbox ?? '') || hasNonAscii(a.host ?? '') || hasNonAscii(a.adl ?? '')))) return env;
  return {
    // a Date header with 8-bit bytes is not a date any reader can use
    date: asciiOrNull(env.date),
    subject: env.subject === null ? null : downgradeText(env.subject),
    from: downgradeAddressList(env.from),
    sender: downgradeAddressList(env.sender),
    replyTo: downgradeAddressList(env.replyTo),
    to: downgradeAddressList(env.to),
    cc: downgradeAddressList(env.cc),
    bcc: downgradeAddressList(env.bcc),
    inReplyTo: asciiOrNull(env.inReplyTo),
    messageId: asciiOrNull(env.messageId),
  };
}

/** RFC 2231 7 (extended-value): `utf-8''` and the value's bytes, attribute-chars as themselves, the rest %XX. */
export function rfc2231Value(value: string): string {
  let out = "utf-8''";
  for (const b of Buffer.from(value, 'utf8')) {
    const attributeChar = b > 0x20 && b < 0x7f && !"*'%()<>@,;:\\\"/[]?=".includes(String.fromCharCode(b));
    out += attributeChar ? String.fromCharCode(b) : '%' + HEX[b >> 4] + HEX[b & 15];
  }
  return out;
}

/** MIME parameters: a value that is not ASCII as `name*` (RFC 2231); a name that is not ASCII cannot be said and is dropped. */
export function downgradeParams(params: [string, string][]): [string, string][] {
  if (!params.some(([k, v]) => hasNonAscii(k) || hasNonAscii(v))) return params;
  const out: [string, string][] = [];
  for (const [k, v] of params) {
    if (hasNonAscii(k)) continue;
    out.push(hasNonAscii(v) ? [k.endsWith('*') ? k : `${k}*`, rfc2231Value(v)] : [k, v]);
  }
  return out;
}

/** A token that should be ASCII (a type, an encoding, a language tag): its other characters as `?`. */
const asciiToken = (s: string) => (hasNonAscii(s) ? s.replace(/[^\x20-\x7e]/g, '?') : s);

/** BODYSTRUCTURE for a 7-bit reader, nested parts and message/rfc822 envelopes included; the same object when ASCII already. */
export function downgradeBodyStructure(part: ImapBodyPart, depth = 0): ImapBodyPart {
  if (depth > 64) return part;
  const parts = part.parts?.map((p) => downgradeBodyStructure(p, depth + 1));
  const message = part.message ? { envelope: downgradeEnvelope(part.message.envelope), body: downgradeBodyStructure(part.message.body, depth + 1) } : undefined;
  const own = [part.type, part.subtype, part.id, part.description, part.encoding, part.md5, part.location, ...(part.language ?? [])];
  const changed =
    own.some((s) => s !== null && hasNonAscii(s)) ||
    downgradeParams(part.params) !== part.params ||
    (part.disposition !== null && (hasNonAscii(part.disposition.type) || downgradeParams(part.disposition.params) !== part.disposition.params)) ||
    parts?.some((p, i) => p !== part.parts?.[i]) ||
    (message !== undefined && (message.envelope !== part.message?.envelope || message.body !== part.message?.body));
  if (!changed) return part;
  return {
    ...part,
    type: asciiToken(part.type),
    subtype: asciiToken(part.subtype),
    params: downgradeParams(part.params),
    id: asciiOrNull(part.id),
    description: part.description === null ? null : downgradeText(part.description),
    encoding: asciiToken(part.encoding),
    md5: asciiOrNull(part.md5),
    disposition: part.disposition === null ? null : { type: asciiToken(part.disposition.type), params: downgradeParams(part.disposition.params) },
    language: part.language === null ? null : part.language.map(asciiToken),
    location: asciiOrNull(part.location),
    ...(parts ? { parts } : {}),
    ...(message ? { message } : {}),
  };
}

/**
 * Reads back an ENVELOPE as serializeEnvelope wrote it (quoted strings, literals, NIL, address
 * lists); null for anything else. The store keeps envelopes in that form, so a downgrade needs it
 * only for the rare envelope that is not ASCII.
 */
export function parseEnvelope(text: string): ImapEnvelope | null {
  const buf = Buffer.from(text, 'utf8');
  let i = 0;
  const fail = (): never => {
    throw new RangeError('not an envelope');
  };
  const expect = (c: number) => (buf[i] === c ? i++ : fail());
  const nstring = (): string | null => {
    if (buf[i] === 0x4e && buf[i + 1] === 0x49 && buf[i + 2] === 0x4c) {
      i += 3;
      return null;
    }
    if (buf[i] === 0x22) {
      const parts: number[] = [];
      i++;
      while (i < buf.length && buf[i] !== 0x22) {
        if (buf[i] === 0x5c) i++;
        parts.push(buf[i++] ?? fail());
      }
      expect(0x22);
      return Buffer.from(parts).toString('utf8');
    }
    if (buf[i] === 0x7b) {
      const close = buf.indexOf(0x7d, i);
      const n = close > i ? Number(buf.subarray(i + 1, close).toString('latin1')) : NaN;
      if (!Number.isSafeInteger(n) || buf[close + 1] !== 0x0d || buf[close + 2] !== 0x0a || close + 3 + n > buf.length) fail();
      const s = buf.subarray(close + 3, close + 3 + n).toString('utf8');
      i = close + 3 + n;
      return s;
    }
    return fail();
  };
  const addresses = (): ImapAddress[] | null => {
    if (buf[i] === 0x4e) return nstring() === null ? null : fail();
    expect(0x28);
    const list: ImapAddress[] = [];
    while (buf[i] === 0x28) {
      i++;
      const name = nstring();
      expect(0x20);
      const adl = nstring();
      expect(0x20);
      const mailbox = nstring();
      expect(0x20);
      const host = nstring();
      expect(0x29);
      list.push({ name, adl, mailbox, host });
    }
    expect(0x29);
    return list;
  };
  try {
    expect(0x28);
    const date = nstring();
    expect(0x20);
    const subject = nstring();
    const lists: Array<ImapAddress[] | null> = [];
    for (let k = 0; k < 6; k++) {
      expect(0x20);
      lists.push(addresses());
    }
    expect(0x20);
    const inReplyTo = nstring();
    expect(0x20);
    const messageId = nstring();
    expect(0x29);
    if (i !== buf.length) return null;
    const [from, sender, replyTo, to, cc, bcc] = lists;
    return { date, subject, from, sender, replyTo, to, cc, bcc, inReplyTo, messageId };
  } catch {
    return null;
  }
}

/** An ENVELOPE as serialised (the store's `imapEnvelope`) for a 7-bit reader; the same text when it is ASCII. */
export function downgradeSerializedEnvelope(text: string): string {
  if (!hasNonAscii(text)) return text;
  const env = parseEnvelope(text);
  return env ? serializeEnvelope(downgradeEnvelope(env)) : text;
}
