import { Body, Controller, Param, Put, UseFilters, UseGuards } from '@nestjs/common';
import { Bus } from '@mail/bus';
import { SetAccountQuota } from '@mail/contracts';
import { z } from 'zod';
import { AccountWithUsage, withUsage } from './account-usage.js';
import { BearerGuard } from './bearer.guard.js';
import { AdminErrorFilter } from './error.filter.js';
import type { RouteDoc } from './openapi.js';
import { parseInput } from './validate.js';

/** An account's limits (bytes and messages); null removes one. */
@Controller('api/v1/accounts/:address/quota')
@UseGuards(BearerGuard)
@UseFilters(AdminErrorFilter)
export class AccountQuotaController {
  constructor(private readonly bus: Bus) {}

  @Put()
  async set(@Param('address') address: string, @Body() body: unknown) {
    const change = parseInput(SetAccountQuota.request.omit({ address: true }), body);
    const account = await this.bus.request(SetAccountQuota, parseInput(SetAccountQuota.request, { ...change, address }));
    return (await withUsage(this.bus, [account]))[0];
  }
}

export const ACCOUNT_QUOTA_ROUTES: RouteDoc[] = [
  {
    method: 'put',
    path: '/api/v1/accounts/{address}/quota',
    operationId: 'setAccountQuota',
    summary: "Set an account's limits: quotaBytes and quotaMessages (null removes a limit, a field left out keeps its value)",
    tag: 'accounts',
    params: [{ name: 'address', in: 'path', description: 'email address, URL-encoded', schema: z.string(), required: true }],
    body: SetAccountQuota.request.omit({ address: true }),
    status: 200,
    response: AccountWithUsage,
    errors: [400, 404],
  },
];
