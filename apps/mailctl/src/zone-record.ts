import { clean } from './table.js';

export interface ZoneRecord {
  name: string;
  type: string;
  value: string;
}

/**
 * One record as a zone-file line. A TXT value longer than 255 bytes (an RSA-2048 DKIM key) is split
 * into several character-strings, which resolvers join back (RFC 7208 §3.3, RFC 6376 §3.6.2.2).
 */
export function zoneLine(r: ZoneRecord, ttl = 3600): string {
  const name = `${clean(r.name)}.`;
  if (r.type !== 'TXT') return `${name} ${ttl} IN ${r.type} ${clean(r.value)}`;
  const value = clean(r.value).replace(/["\\]/g, (c) => `\\${c}`);
  const parts: string[] = [];
  for (let i = 0; i < value.length || i === 0; i += 255) parts.push(`"${value.slice(i, i + 255)}"`);
  return parts.length === 1 ? `${name} ${ttl} IN TXT ${parts[0]}` : `${name} ${ttl} IN TXT ( ${parts.join(' ')} )`;
}
