import { headerSafe, rfc5322Date } from '@mail/intake';

/** An SMTPUTF8 address going into a header: UTF-8 kept, controls and spaces replaced, bounded. */
function utf8HeaderSafe(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\x00-\x20\x7f-\x9f\u2028\u2029]/g, '?').slice(0, 320) || 'unknown';
}

export interface ReceivedInfo {
  helo: string;
  /** reverse DNS name, if one was found */
  clientHostname?: string;
  remoteAddress: string;
  hostname: string;
  /** ESMTP, ESMTPS, ESMTPA, ESMTPSA (RFC 3848) */
  protocol: string;
  /** an SMTPUTF8 transaction: the recipient is written in UTF-8 (RFC 6531 §3.7.4), not replaced */
  utf8?: boolean;
  id: string;
  /** named only for a single recipient, so one message does not disclose its other recipients */
  recipients: string[];
  date: Date;
  /** the inbound connector that took the message, named in a comment (Exchange marks it too) */
  connector?: string;
}

/** The trace header of RFC 5321 §4.4, folded, ending in CRLF. */
export function receivedHeader(info: ReceivedInfo): string {
  const ipLiteral = info.remoteAddress.includes(':') ? `[IPv6:${info.remoteAddress}]` : `[${info.remoteAddress}]`;
  const client = info.clientHostname && !info.clientHostname.startsWith('[') ? `${headerSafe(info.clientHostname)} ${ipLiteral}` : ipLiteral;
  const via = info.connector ? ` (connector ${info.connector.slice(0, 64).replace(/[^A-Za-z0-9 ._-]/g, '?')})` : '';
  let header = `Received: from ${headerSafe(info.helo)} (${client})\r\n\tby ${info.hostname}${via} with ${info.protocol} id ${info.id}`;
  if (info.recipients.length === 1) header += `\r\n\tfor <${info.utf8 ? utf8HeaderSafe(info.recipients[0]) : headerSafe(info.recipients[0], 320)}>`;
  return `${header};\r\n\t${rfc5322Date(info.date)}\r\n`;
}
