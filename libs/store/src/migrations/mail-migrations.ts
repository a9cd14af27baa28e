import type { Migration } from '@mail/db';
import { m001Mail } from './001-mail.js';
import { m002EnvelopeImap } from './002-envelope-imap.js';
import { m003Lz4 } from './003-lz4.js';
import { m004Subscriptions } from './004-imapb-subscriptions.js';
import { m005Recent } from './005-imapb-recent.js';
import { m006SentOn } from './006-imapb-sent-on.js';
import { m007Tombstones } from './007-imapb-tombstones.js';
import { m008Metadata } from './008-imapb-metadata.js';
import { m009Acl } from './009-acl.js';
import { m010ThreadReferences } from './010-thread-references.js';
import { m011SaveDate } from './011-imapb-save-date.js';
import { m012ThreadIds } from './012-thread-ids.js';
import { m013BackgroundJobs } from './013-background-jobs.js';
import { m014MetadataPrivateGrantee } from './014-metadata-private-grantee.js';

/** The store's schema `mail`, in order; a released migration is never edited, only followed by a new one. */
export const mailMigrations: Migration[] = [m001Mail, m002EnvelopeImap, m003Lz4, m004Subscriptions, m005Recent, m006SentOn, m007Tombstones, m008Metadata, m009Acl, m010ThreadReferences, m011SaveDate, m012ThreadIds, m013BackgroundJobs, m014MetadataPrivateGrantee];
