import type { Migration } from '@mail/db';

/** Login counters per client, per account and per (account, client), counted before the hash (ADR 0010). */
export const m009LoginThrottle: Migration = {
  id: '009-login-throttle',
  sql: `
CREATE TABLE directory.login_throttle (
  key text PRIMARY KEY,
  hits integer NOT NULL,
  window_ends timestamptz NOT NULL
);
CREATE INDEX login_throttle_window ON directory.login_throttle (window_ends);
-- replaced by login_throttle: failures were counted after the hash, so parallel guesses raced past the lock
DROP TABLE directory.login_failures;
`,
};
