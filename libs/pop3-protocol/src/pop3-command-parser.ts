import { Pop3ParseError, type Pop3Command, type Pop3ParseResult } from './pop3-command.js';

/** RFC 2449: a command line is at most 255 octets with its CRLF. */
export const MAX_COMMAND_LINE = 253;
/** AUTH lines carry base64 SASL data (RFC 5034 allows longer): room for a 320-octet user and a 1024-octet password. */
export const MAX_AUTH_LINE = 2048;
/** RFC 1939 message numbers; anything above is certainly not in a maildrop and would lose precision. */
export const MAX_MESSAGE_NUMBER = 2 ** 31 - 1;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function fail(code: Pop3ParseError['code'], message: string): Pop3ParseResult {
  return { ok: false, error: new Pop3ParseError(code, message) };
}

function ok(command: Pop3Command): Pop3ParseResult {
  return { ok: true, command };
}

/** Decodes a line; control characters other than TAB never belong in POP3 commands. */
export function decodeLine(line: Buffer): string | Pop3ParseError {
  let text: string;
  try {
    text = utf8.decode(line);
  } catch {
    return new Pop3ParseError('bad-encoding', 'invalid UTF-8 in command');
  }
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0a-\x1f\x7f]/.test(text)) return new Pop3ParseError('bad-encoding', 'control characters in command');
  return text;
}

function parseNumber(arg: string | undefined, allowZero: boolean): number | undefined {
  if (arg === undefined || !/^[0-9]{1,10}$/.test(arg)) return undefined;
  const n = Number(arg);
  if (n > MAX_MESSAGE_NUMBER || (!allowZero && n === 0)) return undefined;
  return n;
}

/**
 * Parses one command line (terminator already stripped). Keywords are case-insensitive; arguments
 * are separated by single spaces per RFC 1939, but runs of spaces are tolerated.
 */
export function parsePop3Command(raw: Buffer | string): Pop3ParseResult {
  const limit = Buffer.isBuffer(raw) ? raw.length : Buffer.byteLength(raw);
  const decoded = Buffer.isBuffer(raw) ? decodeLine(raw) : raw;
  if (decoded instanceof Pop3ParseError) return { ok: false, error: decoded };
  const line = decoded;
  if (line.trim() === '') return fail('empty-line', 'empty command');

  const space = line.indexOf(' ');
  const keyword = (space === -1 ? line : line.slice(0, space)).toUpperCase();
  const rest = space === -1 ? '' : line.slice(space + 1);
  if (keyword !== 'AUTH' && limit > MAX_COMMAND_LINE) return fail('line-too-long', 'command line too long');
  if (limit > MAX_AUTH_LINE) return fail('line-too-long', 'command line too long');
  const args = rest.split(' ').filter((a) => a !== '');

  switch (keyword) {
    case 'STAT':
    case 'RSET':
    case 'NOOP':
    case 'QUIT':
    case 'CAPA':
    case 'STLS':
      if (args.length !== 0) return fail('bad-arguments', `${keyword} takes no arguments`);
      return ok({ name: keyword });
    case 'USER': {
      const [user, ...extra] = args;
      if (user === undefined || extra.length) return fail('bad-arguments', 'USER needs one argument');
      return ok({ name: 'USER', user });
    }
    case 'PASS':
      // RFC 1939 lets the password contain spaces, so it is everything after the first space
      if (space === -1 || rest === '') return fail('bad-arguments', 'PASS needs an argument');
      return ok({ name: 'PASS', password: rest });
    case 'AUTH': {
      const [name, initialResponse, ...extra] = args;
      if (extra.length) return fail('bad-arguments', 'AUTH takes a mechanism and an optional initial response');
      if (name === undefined) return ok({ name: 'AUTH' });
      const mechanism = name.toUpperCase();
      if (!/^[A-Z0-9_-]{1,20}$/.test(mechanism)) return fail('bad-arguments', 'bad SASL mechanism name');
      if (initialResponse === undefined) return ok({ name: 'AUTH', mechanism });
      if (initialResponse !== '=' && !isBase64(initialResponse)) return fail('bad-arguments', 'initial response is not base64');
      return ok({ name: 'AUTH', mechanism, initialResponse });
    }
    case 'LIST':
    case 'UIDL': {
      if (args.length > 1) return fail('bad-arguments', `${keyword} takes at most one argument`);
      if (args.length === 0) return ok({ name: keyword });
      const msg = parseNumber(args[0], false);
      if (msg === undefined) return fail('bad-arguments', 'invalid message number');
      return ok({ name: keyword, msg });
    }
    case 'RETR':
    case 'DELE': {
      if (args.length !== 1) return fail('bad-arguments', `${keyword} needs a message number`);
      const msg = parseNumber(args[0], false);
      if (msg === undefined) return fail('bad-arguments', 'invalid message number');
      return ok({ name: keyword, msg });
    }
    case 'TOP': {
      if (args.length !== 2) return fail('bad-arguments', 'TOP needs a message number and a line count');
      const msg = parseNumber(args[0], false);
      const lines = parseNumber(args[1], true);
      if (msg === undefined) return fail('bad-arguments', 'invalid message number');
      if (lines === undefined) return fail('bad-arguments', 'invalid line count');
      return ok({ name: 'TOP', msg, lines });
    }
    default:
      return fail('unknown-command', 'unknown command');
  }
}

export function isBase64(text: string): boolean {
  return text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text);
}

/** A client line during a SASL exchange (RFC 5034 §4): base64 data, or `*` to cancel. */
export type SaslContinuation = { kind: 'data'; data: Buffer } | { kind: 'cancel' } | { kind: 'invalid' };

export function parseSaslContinuation(line: Buffer): SaslContinuation {
  const text = line.toString('latin1').trim();
  if (text === '*') return { kind: 'cancel' };
  if (line.length > MAX_AUTH_LINE || !isBase64(text)) return { kind: 'invalid' };
  return { kind: 'data', data: Buffer.from(text, 'base64') };
}
