import { Controller, Get, Query, UseFilters, UseGuards } from '@nestjs/common';
import { Bus } from '@mail/bus';
import { ListQueue, QueueEntryStatus } from '@mail/contracts';
import { z } from 'zod';
import { BearerGuard } from './bearer.guard.js';
import { AdminErrorFilter } from './error.filter.js';
import { parseInput } from './validate.js';

/** Query strings are text: the numbers are coerced here, the contract checks the ranges. */
const QueueQuery = z.object({
  status: QueueEntryStatus.optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  domain: z.string().min(1).max(253).optional(),
  sender: z.string().max(320).optional(),
});

@Controller('api/v1/queue')
@UseGuards(BearerGuard)
@UseFilters(AdminErrorFilter)
export class QueueController {
  constructor(private readonly bus: Bus) {}

  @Get()
  list(@Query('status') status?: string, @Query('limit') limit?: string, @Query('domain') domain?: string, @Query('sender') sender?: string) {
    const q = parseInput(QueueQuery, { status: status || undefined, limit: limit || undefined, domain: domain || undefined, sender });
    return this.bus.request(ListQueue, q);
  }
}
