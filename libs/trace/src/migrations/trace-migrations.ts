import type { Migration } from '@mail/db';
import { m001Trace } from './001-trace.js';

/** Schema `trace`, in order; a released migration is never edited, only followed by a new one. */
export const traceMigrations: Migration[] = [m001Trace];
