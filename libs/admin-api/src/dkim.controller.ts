import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseFilters, UseGuards } from '@nestjs/common';
import { Bus } from '@mail/bus';
import { CreateDkimKey, DeleteDkimKey, GetDomainDnsRecords, ListDkimKeys, RotateDkimKeys } from '@mail/contracts';
import { BearerGuard } from './bearer.guard.js';
import { AdminErrorFilter } from './error.filter.js';
import { parseInput } from './validate.js';

/** DKIM signing keys per domain, and the DNS records a domain publishes. */
@Controller('api/v1')
@UseGuards(BearerGuard)
@UseFilters(AdminErrorFilter)
export class DkimController {
  constructor(private readonly bus: Bus) {}

  @Get('dkim')
  list(@Query('domain') domain?: string) {
    return this.bus.request(ListDkimKeys, parseInput(ListDkimKeys.request, { domain: domain || undefined }));
  }

  @Post('dkim')
  create(@Body() body: unknown) {
    return this.bus.request(CreateDkimKey, parseInput(CreateDkimKey.request, body));
  }

  @Post('dkim/:domain/rotate')
  @HttpCode(200)
  rotate(@Param('domain') domain: string, @Body() body: unknown) {
    return this.bus.request(RotateDkimKeys, parseInput(RotateDkimKeys.request, { ...(body && typeof body === 'object' ? body : {}), domain }));
  }

  @Delete('dkim/:domain/:selector')
  remove(@Param('domain') domain: string, @Param('selector') selector: string) {
    return this.bus.request(DeleteDkimKey, parseInput(DeleteDkimKey.request, { domain, selector }));
  }

  @Get('domains/:name/dns')
  dns(@Param('name') name: string) {
    return this.bus.request(GetDomainDnsRecords, parseInput(GetDomainDnsRecords.request, { domain: name }));
  }
}
