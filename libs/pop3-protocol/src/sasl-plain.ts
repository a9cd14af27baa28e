/** RFC 4616 PLAIN message: [authzid] NUL authcid NUL passwd. */
export interface SaslPlainCredentials {
  authzid: string;
  authcid: string;
  password: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** null when the message is not a well-formed PLAIN response (wrong field count, empty user, bad UTF-8). */
export function decodeSaslPlain(message: Buffer): SaslPlainCredentials | null {
  const first = message.indexOf(0);
  if (first === -1) return null;
  const second = message.indexOf(0, first + 1);
  if (second === -1 || message.indexOf(0, second + 1) !== -1) return null;
  try {
    const authzid = utf8.decode(message.subarray(0, first));
    const authcid = utf8.decode(message.subarray(first + 1, second));
    const password = utf8.decode(message.subarray(second + 1));
    if (authcid === '' || authcid.length > 320 || password.length > 1024 || authzid.length > 320) return null;
    return { authzid, authcid, password };
  } catch {
    return null;
  }
}
