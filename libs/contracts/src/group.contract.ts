import { z } from 'zod';
import { defineRequest } from './contract.js';
import { DomainName, EmailAddress, Id, IsoDate } from './common.schemas.js';

/**
 * A distribution group: one address that delivers to each of its members (local accounts, aliases,
 * other groups, remote addresses), expanded at delivery. `hostedSendersOnly`: only senders of this
 * platform (authenticated submission, local mail) may write to it; the internet is refused at RCPT.
 */
export const Group = z.object({
  id: Id,
  address: EmailAddress,
  displayName: z.string().nullable(),
  hostedSendersOnly: z.boolean(),
  members: z.array(EmailAddress),
  createdAt: IsoDate,
});
export type Group = z.infer<typeof Group>;

/** at most this many members change per request (a group itself may grow past it, request by request) */
const MemberList = z.array(EmailAddress).max(1000);

export const CreateGroup = defineRequest(
  'auth.group.create.v1',
  z.object({
    address: EmailAddress,
    displayName: z.string().max(200).optional(),
    hostedSendersOnly: z.boolean().optional(),
    members: MemberList.optional(),
  }),
  Group,
);
export const ListGroups = defineRequest('auth.group.list.v1', z.object({ domain: DomainName.optional() }), z.object({ groups: z.array(Group) }));
export const GetGroup = defineRequest('auth.group.get.v1', z.object({ address: EmailAddress }), Group);
export const DeleteGroup = defineRequest('auth.group.delete.v1', z.object({ address: EmailAddress }), z.object({ deleted: z.literal(true) }));
/**
 * Changes a group's options and, when `members` is given, replaces its whole member list (an empty
 * list empties it); fields left out keep their value. `displayName: null` clears the name.
 */
export const UpdateGroup = defineRequest(
  'auth.group.update.v1',
  z.object({
    address: EmailAddress,
    displayName: z.string().max(200).nullable().optional(),
    hostedSendersOnly: z.boolean().optional(),
    members: MemberList.optional(),
  }),
  Group,
);
/** Adds and removes members in one change; adding a member twice or removing a non-member is not an error. */
export const UpdateGroupMembers = defineRequest(
  'auth.group.members.update.v1',
  z.object({ address: EmailAddress, add: MemberList.default([]), remove: MemberList.default([]) }),
  Group,
);
