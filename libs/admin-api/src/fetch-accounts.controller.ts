import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseFilters, UseGuards } from '@nestjs/common';
import { Bus } from '@mail/bus';
import { AddFetchAccount, EnableFetchAccount, ListFetchAccounts, RemoveFetchAccount, RunFetchAccount, ShowFetchAccount } from '@mail/contracts';
import { BearerGuard } from './bearer.guard.js';
import { AdminErrorFilter } from './error.filter.js';
import { parseInput } from './validate.js';

/** A run fetches up to FETCH_MAX_MESSAGES_PER_RUN messages while the caller waits. */
const RUN_TIMEOUT_MS = 15 * 60_000;

/** External accounts (ADR 0029): `mailctl fetch` is a client of these routes. Passwords go in, never out. */
@Controller('api/v1/fetch-accounts')
@UseGuards(BearerGuard)
@UseFilters(AdminErrorFilter)
export class FetchAccountsController {
  constructor(private readonly bus: Bus) {}

  @Get()
  list(@Query('user') user?: string) {
    return this.bus.request(ListFetchAccounts, parseInput(ListFetchAccounts.request, { user: user || undefined }));
  }

  @Post()
  @HttpCode(201)
  add(@Body() body: unknown) {
    return this.bus.request(AddFetchAccount, parseInput(AddFetchAccount.request, body));
  }

  @Get(':id')
  show(@Param('id') id: string) {
    return this.bus.request(ShowFetchAccount, parseInput(ShowFetchAccount.request, { id }));
  }

  @Delete(':id')
  remove(@Param('id') id: string) {
    return this.bus.request(RemoveFetchAccount, parseInput(RemoveFetchAccount.request, { id }));
  }

  @Post(':id/run')
  @HttpCode(200)
  run(@Param('id') id: string) {
    return this.bus.request(RunFetchAccount, parseInput(RunFetchAccount.request, { id }), { timeoutMs: RUN_TIMEOUT_MS });
  }

  @Post(':id/enable')
  @HttpCode(200)
  enable(@Param('id') id: string, @Body() body: unknown) {
    return this.bus.request(EnableFetchAccount, parseInput(EnableFetchAccount.request, { ...(body as object), id }));
  }
}
