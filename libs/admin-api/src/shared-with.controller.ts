import { Controller, Get, Param, UseFilters, UseGuards } from '@nestjs/common';
import { Bus } from '@mail/bus';
import { GetAccount, ListSharedWith } from '@mail/contracts';
import { z } from 'zod';
import { BearerGuard } from './bearer.guard.js';
import { AdminErrorFilter } from './error.filter.js';
import type { RouteDoc } from './openapi.js';
import { parseInput } from './validate.js';

const SharedWithList = z.object({ mailboxes: ListSharedWith.response.shape.mailboxes });

/**
 * What an account can open of other accounts' mailboxes (ADR 0072): the grantee's side of
 * `shares`, for "why does bob see Team?" and before removing an account.
 */
@Controller('api/v1/accounts/:address/shared-with')
@UseGuards(BearerGuard)
@UseFilters(AdminErrorFilter)
export class SharedWithController {
  constructor(private readonly bus: Bus) {}

  @Get()
  async list(@Param('address') address: string) {
    const a = await this.bus.request(GetAccount, parseInput(GetAccount.request, { address }));
    return this.bus.request(ListSharedWith, { accountId: a.id, tenant: a.domain });
  }
}

export const SHARED_WITH_ROUTES: RouteDoc[] = [
  {
    method: 'get',
    path: '/api/v1/accounts/{address}/shared-with',
    operationId: 'listSharedWith',
    summary: "List the other accounts' mailboxes this account may use: owner, mailbox, the name the user sees (Shared/<owner>/<mailbox>) and its RFC 4314 rights",
    tag: 'accounts',
    params: [{ name: 'address', in: 'path' as const, description: "the user's email address, URL-encoded", schema: z.string(), required: true }],
    status: 200,
    response: SharedWithList,
    errors: [404],
  },
];
