import { Body, Controller, Delete, Get, Param, Patch, Post, Query, UseFilters, UseGuards } from '@nestjs/common';
import { Bus } from '@mail/bus';
import { CreateGroup, DeleteGroup, GetGroup, ListGroups, UpdateGroup, UpdateGroupMembers } from '@mail/contracts';
import { BearerGuard } from './bearer.guard.js';
import { AdminErrorFilter } from './error.filter.js';
import { parseInput } from './validate.js';

@Controller('api/v1/groups')
@UseGuards(BearerGuard)
@UseFilters(AdminErrorFilter)
export class GroupsController {
  constructor(private readonly bus: Bus) {}

  @Get()
  list(@Query('domain') domain?: string) {
    return this.bus.request(ListGroups, parseInput(ListGroups.request, { domain: domain || undefined }));
  }

  @Post()
  create(@Body() body: unknown) {
    return this.bus.request(CreateGroup, parseInput(CreateGroup.request, body));
  }

  @Get(':address')
  get(@Param('address') address: string) {
    return this.bus.request(GetGroup, parseInput(GetGroup.request, { address }));
  }

  @Delete(':address')
  remove(@Param('address') address: string) {
    return this.bus.request(DeleteGroup, parseInput(DeleteGroup.request, { address }));
  }

  @Patch(':address')
  update(@Param('address') address: string, @Body() body: unknown) {
    const change = parseInput(UpdateGroup.request.omit({ address: true }), body);
    return this.bus.request(UpdateGroup, parseInput(UpdateGroup.request, { ...change, address }));
  }

  @Patch(':address/members')
  updateMembers(@Param('address') address: string, @Body() body: unknown) {
    const members = parseInput(UpdateGroupMembers.request.omit({ address: true }), body);
    return this.bus.request(UpdateGroupMembers, parseInput(UpdateGroupMembers.request, { ...members, address }));
  }
}
