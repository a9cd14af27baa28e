export { createDnsResolver, boundedResolver, type DnsResolver, type DnsResolverOptions } from './dns-resolver.js';
export { cachingResolver, type CachingResolverOptions } from './caching-resolver.js';
export { parseDnsServers } from './dns-servers.js';
export { memoizeWithTtl, type TtlMemoOptions } from './ttl-memo.js';
