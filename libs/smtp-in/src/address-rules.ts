import type { SMTPServerAddress } from 'smtp-server';
import { looksLikeSrs, srsReverse, type SrsOptions } from '@mail/srs';
import { smtpMetrics } from './smtp-in-metrics.js';
import { smtpError } from './smtp-reply.js';

/**
 * RFC 6531 §3.5: an address with non-ASCII characters needs the SMTPUTF8 parameter on MAIL FROM
 * (553 5.6.7 without it); with it, the address must be UTF-8 that decoded cleanly (smtp-server reads
 * commands as UTF-8, so a malformed byte shows as U+FFFD).
 */
export function checkAddressEncoding(address: string, smtpUtf8: boolean, role: 'sender' | 'recipient'): void {
  // eslint-disable-next-line no-control-regex
  if (!/[^\x00-\x7f]/.test(address)) return;
  if (!smtpUtf8) throw smtpError(553, `5.6.7 non-ASCII ${role} address needs SMTPUTF8`);
  if (address.includes('\ufffd')) throw smtpError(553, `${role === 'sender' ? '5.1.7' : '5.1.3'} ${role} address is not valid UTF-8`);
}

/**
 * RFC 5321 §4.5.1: `RCPT TO:<Postmaster>` without a domain must be accepted; it means this host's
 * postmaster, the configured address (rewritten in place, so the envelope carries it).
 */
export function expandPostmaster(address: SMTPServerAddress, postmaster: string): void {
  if (address.address.toLowerCase() === 'postmaster') address.address = postmaster;
}

/**
 * RCPT to one of our SRS addresses (ADR 0041): rewritten in place to the address it stands for
 * (the original sender, or the previous forwarder's SRS0 address), which may then be relayed to.
 * A hash we did not make or an expired stamp is `550 5.1.1`: nobody can use us as a relay by
 * making up SRS addresses. Returns whether the address was reversed; false for anything not SRS.
 */
export function reverseSrs(address: SMTPServerAddress, srs: SrsOptions | undefined, now = Date.now()): boolean {
  if (!srs || !looksLikeSrs(address.address)) return false;
  const back = srsReverse(address.address, srs, now);
  if (back.ok) {
    address.address = back.address;
    return true;
  }
  if (back.reason === 'not-srs') return false;
  smtpMetrics.rejected('srs_invalid');
  throw smtpError(550, `5.1.1 <${address.address.slice(0, 200)}>: ${back.reason === 'expired' ? 'expired' : 'invalid'} SRS address`);
}

