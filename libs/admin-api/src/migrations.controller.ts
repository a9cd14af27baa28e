import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseFilters, UseGuards } from '@nestjs/common';
import { Bus } from '@mail/bus';
import { AddBatchUsers, BatchUserInput, ChangeBatch, ContractError, CreateBatch, DeleteBatch, GetBatch, ListBatches } from '@mail/contracts';
import { MigrationCsvError, parseMigrationCsv } from '@mail/migration-csv';
import { z } from 'zod';
import { BearerGuard } from './bearer.guard.js';
import { AdminErrorFilter } from './error.filter.js';
import { parseInput } from './validate.js';

/** The create body: the batch's settings and its users, as a list or as the CSV itself. */
export const CreateMigrationBody = CreateBatch.request.extend({
  users: z.array(BatchUserInput).max(1000).optional(),
  /** Exchange Online's IMAP migration CSV (EmailAddress,UserName,Password), instead of `users` */
  csv: z.string().max(1024 * 1024).optional(),
});

const PAGE = 1000;

/** Migration batches (ADR 0030): `mailctl migration` is a client of these routes. */
@Controller('api/v1/migrations')
@UseGuards(BearerGuard)
@UseFilters(AdminErrorFilter)
export class MigrationsController {
  constructor(private readonly bus: Bus) {}

  @Get()
  list() {
    return this.bus.request(ListBatches, {});
  }

  @Post()
  @HttpCode(201)
  async create(@Body() body: unknown) {
    const input = parseInput(CreateMigrationBody, body);
    if (input.csv !== undefined && input.users?.length) throw new ContractError('INVALID', 'give users or csv, not both');
    const users = input.csv !== undefined ? csvUsers(input.csv) : (input.users ?? []);
    const { csv: _csv, ...settings } = input;
    const created = await this.bus.request(CreateBatch, { ...settings, users: users.slice(0, PAGE) });
    try {
      for (let i = PAGE; i < users.length; i += PAGE) await this.bus.request(AddBatchUsers, { name: created.name, users: users.slice(i, i + PAGE) });
    } catch (err) {
      // all or nothing: a half-filled batch would look like a complete one
      await this.bus.request(DeleteBatch, { name: created.name }).catch(() => undefined);
      throw err;
    }
    return created;
  }

  @Post(':name/users')
  addUsers(@Param('name') name: string, @Body() body: unknown) {
    return this.bus.request(AddBatchUsers, parseInput(AddBatchUsers.request, { ...(body as object), name }));
  }

  @Get(':name')
  get(@Param('name') name: string, @Query('user') user?: string, @Query('offset') offset?: string, @Query('limit') limit?: string) {
    return this.bus.request(
      GetBatch,
      parseInput(GetBatch.request, { name, user: user || undefined, offset: offset ? Number(offset) : undefined, limit: limit ? Number(limit) : undefined }),
    );
  }

  @Post(':name/:action')
  @HttpCode(200)
  change(@Param('name') name: string, @Param('action') action: string) {
    return this.bus.request(ChangeBatch, parseInput(ChangeBatch.request, { name, action }));
  }

  @Delete(':name')
  remove(@Param('name') name: string) {
    return this.bus.request(DeleteBatch, parseInput(DeleteBatch.request, { name }));
  }
}

function csvUsers(csv: string) {
  try {
    return parseMigrationCsv(csv).map((r) => ({ emailAddress: r.emailAddress, userName: r.userName, password: r.password }));
  } catch (err) {
    if (err instanceof MigrationCsvError) throw new ContractError('INVALID', `the CSV has problems:\n${err.message}`);
    throw err;
  }
}
