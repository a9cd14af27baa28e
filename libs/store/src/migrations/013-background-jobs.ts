import type { Migration } from '@mail/db';

export const m013BackgroundJobs: Migration = {
  id: '013-background-jobs',
  sql: `
-- Where a store background job that walks the whole store has got to (ADR 0072), so that it
-- resumes after a restart instead of scanning again, and is not run again once done. One row per
-- job, written in the transaction of each batch it does. Expand only.
CREATE TABLE mail.background_jobs (
  name text PRIMARY KEY,
  -- the last (mailbox_id, uid) of mail.messages the job has handled, in primary key order
  cursor_mailbox uuid NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000',
  cursor_uid bigint NOT NULL DEFAULT 0,
  done_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);
`,
};
