/**
 * Does `domain` fall under `pattern`? `contoso.com` matches itself, `*.contoso.com` its
 * subdomains (not itself, as in Exchange), `*` everything.
 */
export function domainMatches(pattern: string, domain: string): boolean {
  const d = domain.toLowerCase().replace(/\.$/, '');
  if (pattern === '*') return true;
  if (pattern.startsWith('*.')) return d.endsWith(pattern.slice(1)) && d.length > pattern.length - 1;
  return d === pattern;
}

/** Higher is more specific: an exact name beats any wildcard, a longer wildcard a shorter one, `*` last. */
export function patternSpecificity(pattern: string): number {
  if (pattern === '*') return 0;
  const labels = pattern.split('.').length;
  return pattern.startsWith('*.') ? labels * 2 - 1 : labels * 2 + 1000;
}

/** The most specific of `patterns` that matches `domain`, or undefined. */
export function bestMatch(patterns: readonly string[], domain: string): { pattern: string; specificity: number } | undefined {
  let best: { pattern: string; specificity: number } | undefined;
  for (const p of patterns) {
    if (!domainMatches(p, domain)) continue;
    const s = patternSpecificity(p);
    if (!best || s > best.specificity) best = { pattern: p, specificity: s };
  }
  return best;
}

/** A certificate name (CN or DNS SAN, maybe itself `*.x`) against a tlsSenderCertificateName pattern. */
export function certificateNameMatches(pattern: string, names: readonly string[]): boolean {
  return names.some((n) => {
    const name = n.toLowerCase();
    if (name === pattern) return true;
    return domainMatches(pattern, name);
  });
}

export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1).toLowerCase();
}
