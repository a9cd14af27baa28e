import type { MimePart } from '@mail/contracts';

function encapsulated(part: MimePart): MimePart | null {
  const isRfc822 = part.type.toLowerCase() === 'message' && part.subtype.toLowerCase() === 'rfc822';
  return isRfc822 && part.message ? part.message.body : null;
}

/**
 * IMAP part numbering (RFC 3501 6.4.5): numbers index the children of a multipart; a
 * non-multipart body is its own part 1; after a message/rfc822 part the numbers go into the
 * encapsulated message's body. An empty path is the top-level body.
 */
export function findPart(body: MimePart, path: number[]): MimePart | null {
  let current = body;
  for (let i = 0; i < path.length; i++) {
    const n = path[i];
    if (!Number.isInteger(n) || n < 1) return null;
    let container: MimePart | null = body;
    if (i > 0) container = encapsulated(current) ?? (current.parts ? current : null);
    if (!container) return null;
    if (container.parts) {
      const next = container.parts[n - 1];
      if (!next) return null;
      current = next;
    } else {
      if (n !== 1) return null;
      current = container;
    }
  }
  return current;
}
