import type { Readable } from 'node:stream';
import type { DnsResolver } from './smtp-in.config.js';

export interface AuthenticationInput {
  /** the client address the checks evaluate (SPF, ARC's smtp.remote-ip) */
  ip: string;
  helo: string;
  /** MAIL FROM; '' for the null sender (SPF then checks the HELO identity) */
  sender: string;
  /** our host name: the authserv-id of the header we add */
  hostname: string;
}

/** What the DMARC check said, for the policy that decides what happens to the message. */
export interface DmarcVerdict {
  /** pass, fail, none, temperror, permerror; 'none' too when there was no single author domain */
  result: string;
  /** the policy to apply on failure: none, quarantine, reject */
  policy: 'none' | 'quarantine' | 'reject';
  /** the RFC5322.From domain */
  fromDomain?: string;
}

export interface MessageAuthentication {
  /** one `Authentication-Results` field (RFC 8601), folded, ending in CRLF */
  header: string;
  dmarc: DmarcVerdict;
  /** the header From's domain, whatever DMARC said */
  fromDomain?: string;
}

export interface AuthenticationOptions {
  resolver: DnsResolver;
  /** a bound on the DNS work after the body has been read (default 10 s) */
  timeoutMs?: number;
  /** BIMI adds a lookup per DMARC-passing message with an enforcing policy (default off) */
  bimi?: boolean;
}

/**
 * SPF, DKIM, ARC and DMARC (and optionally BIMI) of a message in one pass with mailauth, reading the
 * message from `message` as it arrives. Never throws and never hangs: a DNS failure or a timeout
 * gives temperror results, the message is then treated as not authenticated but never refused for it.
 */
export async function authenticateMessage(message: Readable, input: AuthenticationInput, opts: AuthenticationOptions): Promise<MessageAuthentication> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  let bodyDone = false;
  message.once('end', () => (bodyDone = true));
  try {
    // mailauth (with BIMI's undici and ASN.1 modules: ~12 MiB of heap) is loaded at the first message, not with the process (ADR 0084)
    const { authenticate } = await import('mailauth');
    const result = await Promise.race([
      authenticate(message, {
        ip: input.ip,
        helo: input.helo || undefined,
        sender: input.sender || undefined,
        mta: input.hostname,
        resolver: opts.resolver as never,
        disableBimi: !opts.bimi,
      }),
      new Promise<never>((_, reject) => {
        // the clock starts when the body is in: only the DNS work is bounded, not the client's upload
        const arm = () => (timer = setTimeout(() => reject(new Error('verification timed out')), timeoutMs));
        if (bodyDone) arm();
        else message.once('end', arm);
      }),
    ]);
    const fromDomain = result.dkim.headerFrom?.length === 1 ? domainOf(result.dkim.headerFrom[0]) : undefined;
    const dmarc: DmarcVerdict = result.dmarc
      ? { result: result.dmarc.status.result, policy: asPolicy(result.dmarc.policy), fromDomain: result.dmarc.status.header?.from ?? fromDomain }
      : { result: 'none', policy: 'none', fromDomain };
    return { header: authenticationResultsOf(result.headers, input.hostname), dmarc, fromDomain };
  } catch {
    // keep reading so the sender's upload completes; the verdict is already decided
    message.resume();
    return {
      header: fold(`Authentication-Results: ${input.hostname}; spf=temperror; dkim=temperror; dmarc=temperror (verification did not complete)`),
      dmarc: { result: 'temperror', policy: 'none' },
    };
  } finally {
    clearTimeout(timer);
  }
}

function asPolicy(p: string | undefined): DmarcVerdict['policy'] {
  return p === 'reject' || p === 'quarantine' ? p : 'none';
}

function domainOf(address: string): string | undefined {
  const at = address.lastIndexOf('@');
  return at > 0 ? address.slice(at + 1).toLowerCase() : undefined;
}

/**
 * mailauth gives a Received-SPF and an Authentication-Results field together; we add only the
 * latter (one header with every verdict), with line ends made CRLF and control characters, which
 * a hostile DNS record or address could bring in, replaced.
 */
export function authenticationResultsOf(headers: string, hostname: string): string {
  const lines = headers.split(/\r?\n/);
  const out: string[] = [];
  let inside = false;
  for (const line of lines) {
    if (/^[ \t]/.test(line)) {
      if (inside) out.push(line);
      continue;
    }
    inside = /^authentication-results:/i.test(line);
    if (inside) out.push(line);
  }
  // eslint-disable-next-line no-control-regex
  const clean = out.map((l) => l.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, '?'));
  return clean.length ? clean.join('\r\n') + '\r\n' : fold(`Authentication-Results: ${hostname}; none`);
}

function fold(line: string): string {
  return line + '\r\n';
}
