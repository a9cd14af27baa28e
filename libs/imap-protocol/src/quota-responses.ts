import { astring, mailboxName, untagged } from './response.js';

/** One resource of a quota root (RFC 9208 5): usage and limit in the resource's unit (STORAGE in KiB). */
export interface QuotaResource {
  name: string;
  usage: number;
  limit: number;
}

/** `* QUOTAROOT mailbox root...` (RFC 9208 7.2); no roots when the mailbox has no quota */
export function quotaRootResponse(mailbox: string, roots: readonly string[], utf8 = false): string {
  return untagged(`QUOTAROOT ${mailboxName(mailbox, utf8)}${roots.map((r) => ` ${r === '' ? '""' : astring(r)}`).join('')}`);
}

/** `* QUOTA root (STORAGE 10 512 MESSAGE 3 1000)` (RFC 9208 7.1) */
export function quotaResponse(root: string, resources: readonly QuotaResource[]): string {
  return untagged(`QUOTA ${root === '' ? '""' : astring(root)} (${resources.map((r) => `${r.name} ${r.usage} ${r.limit}`).join(' ')})`);
}
