const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function monthIndex(name: string): number {
  return MONTHS.findIndex((m) => m.toLowerCase() === name.toLowerCase());
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function validDay(y: number, m: number, d: number): boolean {
  const date = new Date(Date.UTC(y, m, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m && date.getUTCDate() === d;
}

/** SEARCH date "1-Feb-1994" to "1994-02-01"; null when malformed. */
export function parseSearchDate(text: string): string | null {
  const m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(text);
  if (!m) return null;
  const month = monthIndex(m[2]);
  const day = Number(m[1]);
  const year = Number(m[3]);
  if (month < 0 || !validDay(year, month, day)) return null;
  return `${year}-${pad(month + 1)}-${pad(day)}`;
}

/** APPEND date-time "17-Jul-1996 02:44:25 -0700" (day may be space-padded); null when malformed. */
export function parseDateTime(text: string): Date | null {
  const m = /^([ \d]\d)-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(text);
  if (!m) return null;
  const day = Number(m[1].trim());
  const month = monthIndex(m[2]);
  const year = Number(m[3]);
  const [h, min, s] = [Number(m[4]), Number(m[5]), Number(m[6])];
  if (month < 0 || !validDay(year, month, day) || h > 23 || min > 59 || s > 60) return null;
  const offset = (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9]));
  return new Date(Date.UTC(year, month, day, h, min, s) - offset * 60_000);
}

/** INTERNALDATE as IMAP prints it, in UTC: "23-Nov-2026 02:32:00 +0000" */
export function formatDateTime(date: Date): string {
  return (
    `${pad(date.getUTCDate())}-${MONTHS[date.getUTCMonth()]}-${date.getUTCFullYear()} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}
