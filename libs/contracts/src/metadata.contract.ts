import { z } from 'zod';
import { defineEvent, defineRequest } from './contract.js';
import { Id } from './common.schemas.js';

/** the caller's tenant (ADR 0044): a mailbox shared with it is named `Shared/<owner>/<name>` */
const Tenant = z.string().max(253).optional();

/** "" is the server (its annotations are the account's own here: nothing is shared across users). */
const Target = z.string().max(512);
/** lowercase, under /private/ or /shared/ (the IMAP session checks the syntax; the store checks again) */
const Entry = z.string().min(9).max(256).regex(/^\/(private|shared)\/[\x21-\x7e]+$/);
/** RFC 5464 values; the store refuses one above its limit with INVALID */
const Value = z.string().max(1_048_576);

/**
 * METADATA annotations (RFC 5464) of a mailbox or of the server: the entries named and, with
 * `depth`, those below them (1: one level, infinity: all).
 */
export const GetMetadata = defineRequest(
  'store.metadata.get.v1',
  z.object({ accountId: Id, tenant: Tenant, mailbox: Target, entries: z.array(Entry).min(1).max(100), depth: z.enum(['0', '1', 'infinity']).default('0') }),
  z.object({ entries: z.array(z.tuple([Entry, Value])) }),
);

/** Sets (or, with null, removes) annotations, all or none. */
export const SetMetadata = defineRequest(
  'store.metadata.set.v1',
  z.object({ accountId: Id, tenant: Tenant, mailbox: Target, values: z.array(z.tuple([Entry, Value.nullable()])).min(1).max(100) }),
  z.object({ ok: z.literal(true) }),
);

/** What one account may keep per mailbox (and for the server): advertised and enforced (RFC 5464 4.3). */
export const METADATA_LIMITS = { maxValueBytes: 65_536, maxEntries: 100 } as const;

/**
 * Published on `store.metadata.changed.v1.<owner accountId>` after a SETMETADATA committed (IMAP
 * NOTIFY's MailboxMetadataChange and ServerMetadataChange, RFC 5465 5.7-5.8, ADR 0072): the entries
 * written or removed, never their values. `mailboxId` null and `mailbox` "" for the server's
 * (the account's) annotations; otherwise the owner's name of the mailbox.
 */
export const MetadataChanged = defineEvent(
  'store.metadata.changed.v1',
  z.object({ accountId: Id, mailboxId: Id.nullable(), mailbox: Target, entries: z.array(Entry).min(1).max(100) }),
);
