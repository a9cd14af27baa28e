import { CreateGroup, DeleteGroup, GetGroup, ListGroups, UpdateGroup, UpdateGroupMembers } from '@mail/contracts';
import { z } from 'zod';
import type { RouteDoc } from './openapi.js';

const GroupAddress = { name: 'address', in: 'path' as const, description: 'group address, URL-encoded', schema: z.string(), required: true };

/** The distribution-group routes of the OpenAPI document (GroupsController). */
export const GROUP_ROUTES: RouteDoc[] = [
  {
    method: 'get',
    path: '/api/v1/groups',
    operationId: 'listGroups',
    summary: 'List distribution groups with their members',
    tag: 'groups',
    params: [{ name: 'domain', in: 'query', description: 'only this domain', schema: z.string() }],
    status: 200,
    response: ListGroups.response,
    errors: [400, 404],
  },
  {
    method: 'post',
    path: '/api/v1/groups',
    operationId: 'createGroup',
    summary: 'Create a distribution group (members: accounts, aliases, other groups or remote addresses)',
    tag: 'groups',
    body: CreateGroup.request,
    status: 201,
    response: CreateGroup.response,
    errors: [400, 404, 409],
  },
  { method: 'get', path: '/api/v1/groups/{address}', operationId: 'getGroup', summary: 'Show one group', tag: 'groups', params: [GroupAddress], status: 200, response: GetGroup.response, errors: [400, 404] },
  {
    method: 'delete',
    path: '/api/v1/groups/{address}',
    operationId: 'deleteGroup',
    summary: 'Delete a group (its members are untouched)',
    tag: 'groups',
    params: [GroupAddress],
    status: 200,
    response: DeleteGroup.response,
    errors: [400, 404],
  },
  {
    method: 'patch',
    path: '/api/v1/groups/{address}',
    operationId: 'updateGroup',
    summary: 'Change a group: display name (null clears it), hostedSendersOnly, and/or the whole member list',
    tag: 'groups',
    params: [GroupAddress],
    body: UpdateGroup.request.omit({ address: true }),
    status: 200,
    response: UpdateGroup.response,
    errors: [400, 404],
  },
  {
    method: 'patch',
    path: '/api/v1/groups/{address}/members',
    operationId: 'updateGroupMembers',
    summary: 'Add and remove members in one change',
    tag: 'groups',
    params: [GroupAddress],
    body: UpdateGroupMembers.request.omit({ address: true }),
    status: 200,
    response: UpdateGroupMembers.response,
    errors: [400, 404],
  },
];
