import { stripComments } from './structured-header.js';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const ZONES: Record<string, number> = {
  ut: 0, gmt: 0, utc: 0, z: 0,
  est: -300, edt: -240, cst: -360, cdt: -300, mst: -420, mdt: -360, pst: -480, pdt: -420,
};

/**
 * RFC 5322 date-time (obsolete forms included: 2-digit years, named zones, missing seconds) to
 * an ISO string. Falls back to Date.parse for shapes real mailers invent; null when hopeless.
 */
export function parseMailDate(value: string | null): string | null {
  if (!value) return null;
  const s = stripComments(value).replace(/,/g, ' ').trim();
  const m =
    /^(?:[a-z]+\s+)?(\d{1,2})[\s-]+([a-z]{3})[a-z]*\.?[\s-]+(\d{2,4})\s+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?(?:\.\d+)?\s*([+-]\d{4}|[a-z]{1,5})?/i.exec(s);
  let ms: number;
  if (m) {
    const month = MONTHS.indexOf(m[2].toLowerCase());
    let year = Number(m[3]);
    if (m[3].length === 2) year += year < 50 ? 2000 : 1900;
    else if (m[3].length === 3) year += 1900;
    let offset = 0;
    const zone = m[7];
    if (zone && /^[+-]\d{4}$/.test(zone)) {
      const sign = zone[0] === '-' ? -1 : 1;
      offset = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5)));
    } else if (zone) {
      // military and unknown zones carry no reliable information (RFC 5322 4.3): treat as UTC
      offset = ZONES[zone.toLowerCase()] ?? 0;
    }
    const [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
    if (month < 0 || hour > 23 || minute > 59 || second > 60) ms = Date.parse(s);
    else ms = Date.UTC(year, month, Number(m[1]), hour, minute, Math.min(second, 59)) - offset * 60_000;
  } else {
    ms = Date.parse(s);
  }
  if (!Number.isFinite(ms)) return null;
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  if (year < 1 || year > 9999) return null;
  return d.toISOString();
}
