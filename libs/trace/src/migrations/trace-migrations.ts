import type { Migration } from '@mail/db';
import { m001Trace } from './001-trace.js';
import { m002EventsByConnector } from './002-ops-events-by-connector.js';

/** Schema `trace`, in order; a released migration is never edited, only followed by a new one. */
export const traceMigrations: Migration[] = [m001Trace, m002EventsByConnector];
