export interface CapabilityState {
  authorization: boolean;
  plaintextAuthAllowed: boolean;
  stlsAvailable: boolean;
  implementation: string;
}

/** RFC 2449 CAPA; login mechanisms only where they may be used (RFC 2595 §6 for PLAIN in the clear). */
export function pop3Capabilities(s: CapabilityState): string[] {
  const caps = ['TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING'];
  if (s.authorization && s.plaintextAuthAllowed) caps.push('USER', 'SASL PLAIN');
  if (s.authorization && s.stlsAvailable) caps.push('STLS');
  caps.push(`IMPLEMENTATION ${s.implementation}`);
  return caps;
}
