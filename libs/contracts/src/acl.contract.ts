import { z } from 'zod';
import { defineEvent, defineRequest } from './contract.js';
import { DomainName, EmailAddress, Id } from './common.schemas.js';

/**
 * Mailbox sharing (RFC 4314 ACL; ADR 0044). Every request names the caller: its account, address
 * and tenant (the domain of its address). A share never leaves the owner's tenant: the store refuses
 * a grantee of another tenant, and `anyone` means anyone of the owner's tenant.
 */

/** canonical RFC 4314 rights (lrswipkxtea, each once, in that order; "c"/"d" already expanded) */
export const Rights = z.string().max(11).regex(/^l?r?s?w?i?p?k?x?t?e?a?$/);

export const Caller = { accountId: Id, address: EmailAddress, tenant: DomainName };

/** `anyone` of the owner's tenant, or one account (resolved through the directory by the caller) */
export const Grantee = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('anyone') }),
  z.object({ kind: z.literal('account'), accountId: Id, address: EmailAddress, tenant: DomainName }),
]);
export type Grantee = z.infer<typeof Grantee>;

/** A mailbox as its caller names it: its own ("Team/2026") or shared with it ("Shared/owner@domain/Team"). */
const MailboxName = z.string().min(1).max(512);

export const AclEntry = z.object({ identifier: z.string().max(320), rights: Rights });
export type AclEntry = z.infer<typeof AclEntry>;

/**
 * SETACL: replace, add to or remove from the grantee's rights; the caller needs "a" on the mailbox
 * (its owner always has it). Empty rights remove the entry. Answers the grantee's rights after.
 */
export const SetAcl = defineRequest(
  'store.acl.set.v1',
  z.object({ ...Caller, mailbox: MailboxName, grantee: Grantee, mode: z.enum(['replace', 'add', 'remove']), rights: Rights }),
  z.object({ rights: Rights }),
);

/** DELETEACL: removes the grantee's entry (not an error when there is none). */
export const DeleteAcl = defineRequest(
  'store.acl.delete.v1',
  z.object({ ...Caller, mailbox: MailboxName, grantee: Grantee }),
  z.object({ deleted: z.boolean() }),
);

/** GETACL: the owner (every right) and each grantee, by address or `anyone`; needs "a". */
export const GetAcl = defineRequest('store.acl.get.v1', z.object({ ...Caller, mailbox: MailboxName }), z.object({ owner: EmailAddress, entries: z.array(AclEntry) }));

/** MYRIGHTS: the caller's rights; NOT_FOUND when it has none (the mailbox's existence stays unknown). */
export const MyRights = defineRequest('store.acl.myrights.v1', z.object({ ...Caller, mailbox: MailboxName }), z.object({ rights: Rights, owner: z.boolean() }));

/** What an account shares and with whom (mailctl mailbox share --list), by owner mailbox name. */
export const ListShares = defineRequest(
  'store.acl.shares.v1',
  z.object({ accountId: Id }),
  z.object({ shares: z.array(z.object({ mailbox: z.string(), identifier: z.string(), rights: Rights })) }),
);

/**
 * What other accounts of its tenant let an account open (mailctl mailbox shared-with, ADR 0072):
 * each mailbox by its owner, the owner's name of it and the name the user sees, with the user's
 * rights (its own entry and `anyone`'s together), whether or not they include `l`.
 */
export const ListSharedWith = defineRequest(
  'store.acl.shared-with.v1',
  z.object({ accountId: Id, tenant: z.string().min(1).max(253) }),
  z.object({ mailboxes: z.array(z.object({ owner: EmailAddress, mailbox: z.string(), name: z.string(), rights: Rights })) }),
);

/**
 * Published on `store.acl.changed.v1.<tenant>` after a SETACL or DELETEACL of a mailbox of that
 * tenant committed (ADR 0072): whose mailbox, and who was given or lost rights (null: `anyone`).
 * IMAP NOTIFY sessions re-list what their user sees when they are the grantee, so a mailbox shared
 * (or unshared) after NOTIFY SET is picked up without a new SET.
 */
export const AclChanged = defineEvent('store.acl.changed.v1', z.object({ tenant: z.string().min(1).max(253), ownerId: Id, mailboxId: Id, granteeId: Id.nullable() }));
