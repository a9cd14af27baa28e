import { Body, Controller, Delete, Get, Param, Post, Query, UseFilters, UseGuards } from '@nestjs/common';
import { Bus } from '@mail/bus';
import { CreateAlias, DeleteAlias, ListAliases } from '@mail/contracts';
import { BearerGuard } from './bearer.guard.js';
import { AdminErrorFilter } from './error.filter.js';
import { parseInput } from './validate.js';

@Controller('api/v1/aliases')
@UseGuards(BearerGuard)
@UseFilters(AdminErrorFilter)
export class AliasesController {
  constructor(private readonly bus: Bus) {}

  @Get()
  list(@Query('domain') domain?: string) {
    return this.bus.request(ListAliases, parseInput(ListAliases.request, { domain: domain || undefined }));
  }

  @Post()
  create(@Body() body: unknown) {
    return this.bus.request(CreateAlias, parseInput(CreateAlias.request, body));
  }

  @Delete(':address')
  remove(@Param('address') address: string) {
    return this.bus.request(DeleteAlias, parseInput(DeleteAlias.request, { address }));
  }
}
