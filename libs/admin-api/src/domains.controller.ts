import { Body, Controller, Delete, Get, Param, Post, UseFilters, UseGuards } from '@nestjs/common';
import { Bus } from '@mail/bus';
import { CreateDomain, DeleteDomain, ListDomains } from '@mail/contracts';
import { BearerGuard } from './bearer.guard.js';
import { AdminErrorFilter } from './error.filter.js';
import { parseInput } from './validate.js';

@Controller('api/v1/domains')
@UseGuards(BearerGuard)
@UseFilters(AdminErrorFilter)
export class DomainsController {
  constructor(private readonly bus: Bus) {}

  @Get()
  list() {
    return this.bus.request(ListDomains, {});
  }

  @Post()
  create(@Body() body: unknown) {
    return this.bus.request(CreateDomain, parseInput(CreateDomain.request, body));
  }

  @Delete(':name')
  remove(@Param('name') name: string) {
    return this.bus.request(DeleteDomain, parseInput(DeleteDomain.request, { name }));
  }
}
