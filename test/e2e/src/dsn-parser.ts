/** A DSN (RFC 3464) taken apart the way a receiving MUA would, to check its fields. */
export interface ParsedDsn {
  headers: Record<string, string>;
  contentType: string;
  parts: Array<{ contentType: string; body: string }>;
  /** message/delivery-status: the per-message block, then one block per recipient */
  perMessage: Record<string, string>;
  perRecipient: Array<Record<string, string>>;
}

function fields(block: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
    if (m) out[m[1].toLowerCase()] = m[2];
  }
  return out;
}

export function parseDsn(raw: string): ParsedDsn {
  const [head, ...rest] = raw.split(/\r?\n\r?\n/);
  const body = rest.join('\r\n\r\n');
  const headers = fields(head);
  const contentType = headers['content-type'] ?? '';
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!boundary) throw new Error(`not multipart: ${contentType}`);
  const parts = body
    .split(`--${boundary}`)
    .slice(1)
    .filter((p) => !p.startsWith('--'))
    .map((p) => {
      const [ph, ...pb] = p.replace(/^\r?\n/, '').split(/\r?\n\r?\n/);
      return { contentType: (fields(ph)['content-type'] ?? 'text/plain').split(';')[0].trim().toLowerCase(), body: pb.join('\r\n\r\n') };
    });
  const status = parts.find((p) => p.contentType === 'message/delivery-status' || p.contentType === 'message/global-delivery-status');
  const blocks = (status?.body ?? '').split(/\r?\n\r?\n/).filter((b) => b.trim());
  return { headers, contentType, parts, perMessage: fields(blocks[0] ?? ''), perRecipient: blocks.slice(1).map(fields) };
}
