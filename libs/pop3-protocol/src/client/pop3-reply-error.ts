/** The server broke the protocol (an oversized line, a reply that is neither +OK nor -ERR, a bad listing): the connection is not trusted further. */
export class Pop3ReplyError extends Error {
  override name = 'Pop3ReplyError';
}
