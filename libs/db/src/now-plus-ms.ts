/**
 * SQL for `now()` plus the number of milliseconds in a statement parameter: how leases, retries and
 * schedules say "until then" on PostgreSQL and PGlite alike. Only a placeholder (`$3`) can be put in,
 * never a value, so the fragment cannot carry input into the statement's text.
 */
export function nowPlusMs(param: `$${number}`): string {
  return `(now() + ${param}::double precision * interval '1 millisecond')`;
}
