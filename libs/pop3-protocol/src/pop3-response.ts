/** RFC 2449 / RFC 3206 extended response codes this server uses. */
export type Pop3ResponseCode = 'IN-USE' | 'LOGIN-DELAY' | 'AUTH' | 'SYS/TEMP' | 'SYS/PERM';

/** Text that goes into a status line never carries a line break (it would inject a response). */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\r\n\x00]/g, ' ');
}

function status(indicator: '+OK' | '-ERR', text: string, code?: Pop3ResponseCode): string {
  const parts: string[] = [indicator];
  if (code) parts.push(`[${code}]`);
  if (text !== '') parts.push(clean(text));
  return `${parts.join(' ')}\r\n`;
}

export function okResponse(text = '', code?: Pop3ResponseCode): string {
  return status('+OK', text, code);
}

export function errResponse(text: string, code?: Pop3ResponseCode): string {
  return status('-ERR', text, code);
}

/** An empty SASL challenge (RFC 5034: "+" followed by a space). */
export function saslContinuation(challenge: Buffer = Buffer.alloc(0)): string {
  return `+ ${challenge.toString('base64')}\r\n`;
}

/** A whole small multi-line response (CAPA, LIST, UIDL): status line, dot-stuffed lines, terminator. */
export function multilineResponse(first: string, lines: readonly string[]): string {
  const body = lines.map((l) => `${l.startsWith('.') ? '.' : ''}${clean(l)}\r\n`).join('');
  return `${okResponse(first)}${body}.\r\n`;
}
