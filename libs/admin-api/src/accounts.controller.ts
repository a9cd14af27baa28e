import { Body, Controller, Delete, Get, Param, Post, Put, Query, UseFilters, UseGuards } from '@nestjs/common';
import { Bus } from '@mail/bus';
import { CreateAccount, DeleteAccount, GetAccount, ListAccounts, PurgeAccount, SetPassword } from '@mail/contracts';
import { createLogger } from '@mail/telemetry';
import { z } from 'zod';
import { BearerGuard } from './bearer.guard.js';
import { AdminErrorFilter } from './error.filter.js';
import { parseInput } from './validate.js';
import { withUsage } from './account-usage.js';

const logger = createLogger('admin-api');

@Controller('api/v1/accounts')
@UseGuards(BearerGuard)
@UseFilters(AdminErrorFilter)
export class AccountsController {
  constructor(private readonly bus: Bus) {}

  @Get()
  async list(@Query('domain') domain?: string) {
    const { accounts } = await this.bus.request(ListAccounts, parseInput(ListAccounts.request, { domain: domain || undefined }));
    return { accounts: await withUsage(this.bus, accounts) };
  }

  @Post()
  create(@Body() body: unknown) {
    return this.bus.request(CreateAccount, parseInput(CreateAccount.request, body));
  }

  @Get(':address')
  async get(@Param('address') address: string) {
    return (await withUsage(this.bus, [await this.bus.request(GetAccount, parseInput(GetAccount.request, { address }))]))[0];
  }

  /**
   * Mail goes first: if the store can't purge, nothing is deleted and the admin retries. The
   * second purge catches a delivery that raced the deletion.
   */
  @Delete(':address')
  async remove(@Param('address') address: string) {
    const account = await this.bus.request(GetAccount, parseInput(GetAccount.request, { address }));
    const purged = await this.bus.request(PurgeAccount, { accountId: account.id }, { timeoutMs: 120_000 });
    const deleted = await this.bus.request(DeleteAccount, { address: account.address });
    let messagesPurged = purged.messages;
    try {
      messagesPurged += (await this.bus.request(PurgeAccount, { accountId: account.id }, { timeoutMs: 120_000 })).messages;
    } catch (err) {
      logger.warn({ err, accountId: account.id }, 'second purge after account deletion failed');
    }
    return { ...deleted, messagesPurged };
  }

  @Put(':address/password')
  setPassword(@Param('address') address: string, @Body() body: unknown) {
    const { password } = parseInput(z.object({ password: z.string() }), body);
    return this.bus.request(SetPassword, parseInput(SetPassword.request, { address, password }));
  }
}
