import { imapString, nstring } from './response.js';

/** Structurally the contract's EnvelopeAddress (kept local so this library depends on nothing). */
export interface ImapAddress {
  name: string | null;
  adl: string | null;
  mailbox: string | null;
  host: string | null;
}

export interface ImapEnvelope {
  date: string | null;
  subject: string | null;
  from: ImapAddress[] | null;
  sender: ImapAddress[] | null;
  replyTo: ImapAddress[] | null;
  to: ImapAddress[] | null;
  cc: ImapAddress[] | null;
  bcc: ImapAddress[] | null;
  inReplyTo: string | null;
  messageId: string | null;
}

/** Structurally the contract's MimePart. */
export interface ImapBodyPart {
  type: string;
  subtype: string;
  params: [string, string][];
  id: string | null;
  description: string | null;
  encoding: string;
  size: number;
  lines: number | null;
  md5: string | null;
  disposition: { type: string; params: [string, string][] } | null;
  language: string[] | null;
  location: string | null;
  headerStart: number;
  bodyStart: number;
  bodyEnd: number;
  parts?: ImapBodyPart[];
  message?: { envelope: ImapEnvelope; body: ImapBodyPart };
}

const MAX_DEPTH = 64;

function addressList(list: ImapAddress[] | null): string {
  if (!list || !list.length) return 'NIL';
  return '(' + list.map((a) => `(${nstring(a.name)} ${nstring(a.adl)} ${nstring(a.mailbox)} ${nstring(a.host)})`).join('') + ')';
}

/** ENVELOPE (RFC 3501 7.4.2); Sender and Reply-To default to From as the RFC requires. */
export function serializeEnvelope(env: ImapEnvelope): string {
  const sender = env.sender?.length ? env.sender : env.from;
  const replyTo = env.replyTo?.length ? env.replyTo : env.from;
  return (
    '(' +
    [
      nstring(env.date),
      nstring(env.subject),
      addressList(env.from),
      addressList(sender),
      addressList(replyTo),
      addressList(env.to),
      addressList(env.cc),
      addressList(env.bcc),
      nstring(env.inReplyTo),
      nstring(env.messageId),
    ].join(' ') +
    ')'
  );
}

function paramList(params: [string, string][]): string {
  if (!params.length) return 'NIL';
  return '(' + params.map(([k, v]) => `${imapString(k)} ${imapString(v)}`).join(' ') + ')';
}

function disposition(d: ImapBodyPart['disposition']): string {
  return d ? `(${imapString(d.type)} ${paramList(d.params)})` : 'NIL';
}

function language(l: string[] | null): string {
  if (!l || !l.length) return 'NIL';
  return l.length === 1 ? imapString(l[0]) : '(' + l.map(imapString).join(' ') + ')';
}

function structure(part: ImapBodyPart, extensible: boolean, depth: number): string {
  if (depth > MAX_DEPTH) return '("text" "plain" NIL NIL NIL "7bit" 0 0)';
  const type = part.type.toLowerCase();
  if (type === 'multipart' && part.parts && part.parts.length) {
    let s = '(' + part.parts.map((p) => structure(p, extensible, depth + 1)).join('') + ' ' + imapString(part.subtype);
    if (extensible) s += ` ${paramList(part.params)} ${disposition(part.disposition)} ${language(part.language)} ${nstring(part.location)}`;
    return s + ')';
  }
  const fields = [
    imapString(part.type),
    imapString(part.subtype),
    paramList(part.params),
    nstring(part.id),
    nstring(part.description),
    imapString(part.encoding || '7bit'),
    String(part.size),
  ];
  const message = type === 'message' && part.subtype.toLowerCase() === 'rfc822' ? part.message : undefined;
  if (message) {
    fields.push(serializeEnvelope(message.envelope), structure(message.body, extensible, depth + 1), String(part.lines ?? 0));
  } else if (type === 'text') {
    fields.push(String(part.lines ?? 0));
  }
  if (extensible) fields.push(nstring(part.md5), disposition(part.disposition), language(part.language), nstring(part.location));
  return '(' + fields.join(' ') + ')';
}

/** BODYSTRUCTURE (`extensible`) or BODY (without extension data). */
export function serializeBodyStructure(part: ImapBodyPart, extensible: boolean): string {
  return structure(part, extensible, 0);
}

