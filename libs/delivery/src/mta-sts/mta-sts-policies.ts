import type { DnsResolver } from '@mail/dns';
import { trimOldest } from '@mail/limits';
import { fetchPolicyFile, PolicyFetchError, type PolicyFetchOptions } from './fetch-policy-file.js';

export interface StsPolicy {
  id: string;
  mode: 'enforce' | 'testing' | 'none';
  mx: string[];
  maxAgeSeconds: number;
  /** ms since the epoch */
  expiresAt: number;
}

export interface PolicyLookup {
  /** null: the domain publishes no (usable) policy: opportunistic TLS */
  policy: StsPolicy | null;
  /** why a policy could not be discovered or fetched (TLS-RPT result type and text) */
  failure?: { resultType: string; detail: string };
}

/** RFC 8461 §3.2: max_age is at most a year */
const MAX_AGE_CAP_S = 31_557_600;
/** after a failed fetch without a cached policy, how long before the next try for that domain */
const RETRY_AFTER_FAILURE_MS = 5 * 60_000;

/**
 * MTA-STS policies of recipient domains (RFC 8461 §5): discovered by the `_mta-sts` TXT record's
 * id, fetched over HTTPS when the id is new, cached for max_age. A cached policy that has not
 * expired keeps applying when discovery or fetching fails (§5.1: an attacker who blocks DNS or
 * HTTPS must not downgrade delivery). The cache is per process (ADR 0018).
 */
export class MtaStsPolicies {
  private readonly cache = new Map<string, StsPolicy>();
  private readonly failedUntil = new Map<string, number>();

  constructor(
    private readonly opts: Omit<PolicyFetchOptions, 'resolver'> & { resolver: DnsResolver; maxEntries?: number },
    private readonly now: () => number = Date.now,
  ) {}

  async lookup(rawDomain: string): Promise<PolicyLookup> {
    const domain = rawDomain.toLowerCase().replace(/\.$/, '');
    const cached = this.cache.get(domain);
    const valid = cached && cached.expiresAt > this.now() ? cached : undefined;
    // mailauth is loaded at the first MTA-STS lookup, not with the process (ADR 0084)
    const { parsePolicy, resolvePolicy } = await import('mailauth/lib/mta-sts.js');
    let id: string | false;
    try {
      id = await resolvePolicy(domain, { resolver: this.opts.resolver as never });
    } catch (err) {
      return { policy: valid ?? null, failure: { resultType: 'sts-policy-fetch-error', detail: `_mta-sts.${domain}: ${(err as Error).message}` } };
    }
    if (!id) return { policy: valid ?? null };
    if (valid && valid.id === id) return { policy: valid };
    if ((this.failedUntil.get(`${domain} ${id}`) ?? 0) > this.now()) return { policy: valid ?? null, failure: { resultType: 'sts-policy-fetch-error', detail: `the policy of ${domain} could not be fetched recently` } };
    try {
      const text = await fetchPolicyFile(domain, this.opts);
      if (text === null) return { policy: valid ?? null, failure: { resultType: 'sts-policy-fetch-error', detail: `mta-sts.${domain} has no address` } };
      const parsed = parsePolicy(text);
      if (!parsed.mode || parsed.mode === 'none' || (parsed.mode === 'enforce' && !parsed.mx?.length)) {
        if (parsed.mode !== 'none') throw new PolicyFetchError(`the policy of ${domain} is not usable (mode ${parsed.mode ?? 'missing'}, ${parsed.mx?.length ?? 0} mx)`, 'sts-policy-invalid');
      }
      const maxAgeSeconds = Math.min(Math.max(0, parsed.maxAge ?? 0), MAX_AGE_CAP_S);
      const policy: StsPolicy = { id, mode: parsed.mode, mx: parsed.mx ?? [], maxAgeSeconds, expiresAt: this.now() + maxAgeSeconds * 1000 };
      this.remember(domain, policy);
      return { policy };
    } catch (err) {
      this.failedUntil.set(`${domain} ${id}`, this.now() + RETRY_AFTER_FAILURE_MS);
      const resultType = err instanceof PolicyFetchError ? err.resultType : 'sts-policy-invalid';
      return { policy: valid ?? null, failure: { resultType, detail: (err as Error).message } };
    }
  }

  private remember(domain: string, policy: StsPolicy): void {
    this.cache.delete(domain);
    this.cache.set(domain, policy);
    const max = this.opts.maxEntries ?? 10_000;
    trimOldest(this.cache, max);
  }
}
