import { stripComments } from './structured-header.js';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const ZONES: Record<string, number> = {
  ut: 0, gmt: 0, utc: 0, z: 0,
  est: -300, edt: -240, cst: -360, cdt: -300, mst: -420, mdt: -360, pst: -480, pdt: -420,
};

/** Date.UTC without its mapping of years 0-99 to 1900-1999 (a 4-digit year is taken as written). */
function utc(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const d = new Date(Date.UTC(2000, 0, 1, hour, minute, second));
  d.setUTCFullYear(year, month, day);
  return d.getTime();
}

/** The instant a Date header names and the offset from UTC its author wrote, in minutes. */
interface MailDate {
  ms: number;
  offsetMinutes: number;
}

function parseMailDateParts(value: string | null): MailDate | null {
  if (!value) return null;
  const s = stripComments(value).replace(/,/g, ' ').trim();
  const m =
    /^(?:[a-z]+\s+)?(\d{1,2})[\s-]+([a-z]{3})[a-z]*\.?[\s-]+(\d{2,4})\s+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?(?:\.\d+)?\s*([+-]\d{4}|[a-z]{1,5})?/i.exec(s);
  let ms: number;
  let offset = 0;
  if (m) {
    const month = MONTHS.indexOf(m[2].toLowerCase());
    let year = Number(m[3]);
    if (m[3].length === 2) year += year < 50 ? 2000 : 1900;
    else if (m[3].length === 3) year += 1900;
    const zone = m[7];
    if (zone && /^[+-]\d{4}$/.test(zone)) {
      const sign = zone[0] === '-' ? -1 : 1;
      offset = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5)));
    } else if (zone) {
      // military and unknown zones carry no reliable information (RFC 5322 4.3): treat as UTC
      offset = ZONES[zone.toLowerCase()] ?? 0;
    }
    const [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
    if (month < 0 || hour > 23 || minute > 59 || second > 60) {
      ms = Date.parse(s);
      offset = 0;
    } else {
      ms = utc(year, month, Number(m[1]), hour, minute, Math.min(second, 59)) - offset * 60_000;
    }
  } else {
    ms = Date.parse(s);
  }
  if (!Number.isFinite(ms)) return null;
  const year = new Date(ms).getUTCFullYear();
  if (year < 1 || year > 9999) return null;
  return { ms, offsetMinutes: offset };
}

/**
 * RFC 5322 date-time (obsolete forms included: 2-digit years, named zones, missing seconds) to
 * an ISO string. Falls back to Date.parse for shapes real mailers invent; null when hopeless.
 */
export function parseMailDate(value: string | null): string | null {
  const d = parseMailDateParts(value);
  return d && new Date(d.ms).toISOString();
}

/**
 * The day (YYYY-MM-DD) of a Date header in the header's own time zone, what IMAP's SENTBEFORE,
 * SENTON and SENTSINCE compare (RFC 3501 6.4.4: "disregarding time and timezone"): a message sent
 * at 23:30 -0800 on the 7th was sent on the 7th, though it was the 8th in UTC.
 */
export function mailDateDay(value: string | null): string | null {
  const d = parseMailDateParts(value);
  if (!d) return null;
  const local = new Date(d.ms + d.offsetMinutes * 60_000);
  if (local.getUTCFullYear() < 1 || local.getUTCFullYear() > 9999) return null;
  return local.toISOString().slice(0, 10);
}
