/**
 * IMAP's modified UTF-7 for mailbox names (RFC 3501 5.1.3): printable ASCII stands for itself
 * ("&" is "&-"), everything else is UTF-16 in modified base64 between "&" and "-".
 */
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,';

export function encodeMailboxName(name: string): string {
  let out = '';
  let pending: number[] = [];
  const flush = () => {
    if (!pending.length) return;
    const bytes: number[] = [];
    for (const unit of pending) bytes.push(unit >> 8, unit & 0xff);
    out += '&' + Buffer.from(bytes).toString('base64').replace(/=+$/, '').replace(/\//g, ',') + '-';
    pending = [];
  };
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code >= 0x20 && code <= 0x7e) {
      flush();
      out += code === 0x26 ? '&-' : name[i];
    } else {
      pending.push(code);
    }
  }
  flush();
  return out;
}

/** Decodes modified UTF-7; a name that is not valid modified UTF-7 is returned unchanged. */
export function decodeMailboxName(name: string): string {
  if (!name.includes('&')) return name;
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const ch = name[i]!;
    if (ch !== '&') {
      out += ch;
      continue;
    }
    const end = name.indexOf('-', i + 1);
    if (end < 0) return name;
    const chunk = name.slice(i + 1, end);
    i = end;
    if (chunk === '') {
      out += '&';
      continue;
    }
    for (const c of chunk) if (!B64.includes(c)) return name;
    const bytes = Buffer.from(chunk.replace(/,/g, '/'), 'base64');
    if (bytes.length % 2 !== 0) return name;
    for (let j = 0; j < bytes.length; j += 2) out += String.fromCharCode((bytes[j]! << 8) | bytes[j + 1]!);
  }
  return out;
}
