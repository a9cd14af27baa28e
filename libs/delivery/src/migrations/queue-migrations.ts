import type { Migration } from '@mail/db';
import { m001Queue } from './001-queue.js';
import { m002CarriedIndex } from './002-carried-index.js';
import { m003Retention } from './003-retention.js';
import { m004EnvelopeParams } from './004-envelope-params.js';
import { m005Outbound } from './005-outbound.js';
import { m006TlsReportResults } from './006-tls-report-results.js';

/** The delivery queue's schema `queue`, in order; a released migration is never edited, only followed by a new one. */
export const queueMigrations: Migration[] = [m001Queue, m002CarriedIndex, m003Retention, m004EnvelopeParams, m005Outbound, m006TlsReportResults];
