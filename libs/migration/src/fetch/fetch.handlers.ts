import { Injectable, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Bus, type Subscription } from '@mail/bus';
import { AddFetchAccount, EnableFetchAccount, ListFetchAccounts, RemoveFetchAccount, RunFetchAccount, ShowFetchAccount } from '@mail/contracts';
import { MigrationSchema } from '../migration-schema.js';
import { FetchAccountService } from './fetch-account.service.js';
import { FetchScheduler } from './fetch-scheduler.js';

/** Answers the fetch contracts on the bus and runs the scheduler of this replica. */
@Injectable()
export class FetchHandlers implements OnModuleInit, BeforeApplicationShutdown {
  private subscriptions: Subscription[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly schema: MigrationSchema,
    private readonly accounts: FetchAccountService,
    private readonly scheduler: FetchScheduler,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.schema.ready();
    const a = this.accounts;
    this.subscriptions = await Promise.all([
      this.bus.handle(AddFetchAccount, (p) => a.add(p)),
      this.bus.handle(ListFetchAccounts, (p) => a.list(p.user)),
      this.bus.handle(ShowFetchAccount, (p) => a.show(p.id)),
      this.bus.handle(RemoveFetchAccount, (p) => a.remove(p.id)),
      this.bus.handle(EnableFetchAccount, (p) => a.enable(p.id, p.password)),
      this.bus.handle(RunFetchAccount, (p) => a.runNow(p.id)),
    ]);
    this.scheduler.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.subscriptions.map((s) => s.unsubscribe()));
    await this.scheduler.stop();
  }
}
