import { toRanges } from '@mail/imap-protocol';

/** the contract's cap on UID ranges per request */
const MAX_RANGES = 10_000;

/** UIDs as the store's range lists, cut into requests the contract accepts. */
export function uidRangeBatches(uids: Iterable<number>): [number, number][][] {
  const ranges = toRanges(uids);
  const out: [number, number][][] = [];
  for (let i = 0; i < ranges.length; i += MAX_RANGES) out.push(ranges.slice(i, i + MAX_RANGES));
  return out;
}
