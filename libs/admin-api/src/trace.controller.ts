import { Controller, Get, Query, UseFilters, UseGuards } from '@nestjs/common';
import { Bus } from '@mail/bus';
import { SearchTrace, TraceFilter } from '@mail/contracts';
import { BearerGuard } from './bearer.guard.js';
import { AdminErrorFilter } from './error.filter.js';
import { parseInput } from './validate.js';

const FIELDS = ['sender', 'recipient', 'messageId', 'clientIp', 'status', 'since', 'until', 'limit'] as const;

/** Message trace (ADR 0013): `GET /api/v1/trace?sender=*@contoso.com&since=...`. */
@Controller('api/v1/trace')
@UseGuards(BearerGuard)
@UseFilters(AdminErrorFilter)
export class TraceController {
  constructor(private readonly bus: Bus) {}

  @Get()
  search(@Query() query: Record<string, unknown>) {
    // query strings are text: an empty parameter counts as absent, the limit becomes a number
    const picked: Record<string, unknown> = Object.fromEntries(FIELDS.filter((k) => typeof query[k] === 'string' && query[k] !== '').map((k) => [k, query[k]]));
    if (picked.limit !== undefined) picked.limit = Number(picked.limit);
    return this.bus.request(SearchTrace, parseInput(TraceFilter, picked), { timeoutMs: 30_000 });
  }
}
