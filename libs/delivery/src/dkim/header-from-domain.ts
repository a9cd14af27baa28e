import addressparser from 'nodemailer/lib/addressparser';

/**
 * The domain of the RFC 5322 From address in a header block: the identity DMARC aligns with,
 * hence the domain whose keys sign. Null when there is no From, several of them, or no address
 * in it (such a message is sent unsigned rather than signed for a guess).
 */
export function headerFromDomain(headerBlock: Buffer | string): string | null {
  const text = (typeof headerBlock === 'string' ? headerBlock : headerBlock.toString('utf8')).replace(/\r?\n(?=[ \t])/g, '');
  const froms = text.split(/\r?\n/).filter((line) => /^from[ \t]*:/i.test(line));
  if (froms.length !== 1) return null;
  const parsed = addressparser(froms[0].slice(froms[0].indexOf(':') + 1), { flatten: true });
  if (parsed.length !== 1) return null;
  const address = parsed[0].address ?? '';
  const at = address.lastIndexOf('@');
  if (at < 1 || at === address.length - 1) return null;
  return address.slice(at + 1).toLowerCase();
}
