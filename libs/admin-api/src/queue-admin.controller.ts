import { Controller, Delete, Get, HttpCode, Param, Post, Query, UseFilters, UseGuards } from '@nestjs/common';
import { Bus } from '@mail/bus';
import { DeleteQueueEntry, GetQueueEntry, HoldQueue, ReleaseQueue, RetryQueue } from '@mail/contracts';
import { z } from 'zod';
import { BearerGuard } from './bearer.guard.js';
import { AdminErrorFilter } from './error.filter.js';
import { parseInput } from './validate.js';

const Bounce = z.enum(['true', 'false', '1', '0']).optional();

/** Queue administration: one message, retry, hold, release, delete (with or without a bounce). */
@Controller('api/v1/queue')
@UseGuards(BearerGuard)
@UseFilters(AdminErrorFilter)
export class QueueAdminController {
  constructor(private readonly bus: Bus) {}

  @Post('retry')
  @HttpCode(200)
  retryAll() {
    return this.bus.request(RetryQueue, { all: true });
  }

  @Get(':id')
  show(@Param('id') id: string) {
    return this.bus.request(GetQueueEntry, parseInput(GetQueueEntry.request, { queueId: id }));
  }

  @Post(':id/retry')
  @HttpCode(200)
  retry(@Param('id') id: string) {
    return this.bus.request(RetryQueue, parseInput(GetQueueEntry.request, { queueId: id }));
  }

  @Post(':id/hold')
  @HttpCode(200)
  hold(@Param('id') id: string) {
    return this.bus.request(HoldQueue, parseInput(HoldQueue.request, { queueId: id }));
  }

  @Post(':id/release')
  @HttpCode(200)
  release(@Param('id') id: string) {
    return this.bus.request(ReleaseQueue, parseInput(ReleaseQueue.request, { queueId: id }));
  }

  @Delete(':id')
  remove(@Param('id') id: string, @Query('bounce') bounce?: string) {
    const b = parseInput(Bounce, bounce || undefined);
    return this.bus.request(DeleteQueueEntry, parseInput(DeleteQueueEntry.request, { queueId: id, bounce: b === 'true' || b === '1' }));
  }
}
