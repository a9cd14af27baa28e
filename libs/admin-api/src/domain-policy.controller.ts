import { Body, Controller, Get, Param, Put, UseFilters, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { Bus } from '@mail/bus';
import { ContractError, GetDomainPolicies, SetDomainPolicy } from '@mail/contracts';
import { BearerGuard } from './bearer.guard.js';
import { AdminErrorFilter } from './error.filter.js';
import type { RouteDoc } from './openapi.js';
import { parseInput } from './validate.js';

const NameParam = { name: 'name', in: 'path' as const, description: 'domain name', schema: z.string(), required: true };

/** A hosted domain's inbound policy (DMARC enforcement), beside the domain routes. */
@Controller('api/v1/domains/:name/policy')
@UseGuards(BearerGuard)
@UseFilters(AdminErrorFilter)
export class DomainPolicyController {
  constructor(private readonly bus: Bus) {}

  @Get()
  async get(@Param('name') name: string) {
    const { domains } = await this.bus.request(GetDomainPolicies, parseInput(GetDomainPolicies.request, { domains: [name] }));
    if (!domains[0]) throw new ContractError('NOT_FOUND', `domain ${name} is not hosted here`);
    return domains[0];
  }

  @Put()
  set(@Param('name') name: string, @Body() body: unknown) {
    return this.bus.request(SetDomainPolicy, parseInput(SetDomainPolicy.request, { ...(body as object), name }));
  }
}

export const DOMAIN_POLICY_ROUTES: RouteDoc[] = [
  {
    method: 'get',
    path: '/api/v1/domains/{name}/policy',
    operationId: 'getDomainPolicy',
    summary: "A hosted domain's inbound policy",
    tag: 'domains',
    params: [NameParam],
    status: 200,
    response: SetDomainPolicy.response,
    errors: [400, 404],
  },
  {
    method: 'put',
    path: '/api/v1/domains/{name}/policy',
    operationId: 'setDomainPolicy',
    summary: "Change a hosted domain's inbound policy: dmarcPolicy enforce (apply a failing sender's DMARC policy) or report-only",
    tag: 'domains',
    params: [NameParam],
    body: SetDomainPolicy.request.omit({ name: true }),
    status: 200,
    response: SetDomainPolicy.response,
    errors: [400, 404],
  },
];
