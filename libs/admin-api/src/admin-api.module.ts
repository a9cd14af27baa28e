import { Module, type DynamicModule } from '@nestjs/common';
import { AccountsController } from './accounts.controller.js';
import { ADMIN_API_CONFIG, type AdminApiConfig } from './admin-api.config.js';
import { AliasesController } from './aliases.controller.js';
import { ConnectorsController } from './connectors.controller.js';
import { BearerGuard } from './bearer.guard.js';
import { DkimController } from './dkim.controller.js';
import { DomainsController } from './domains.controller.js';
import { GroupsController } from './groups.controller.js';
import { DomainPolicyController } from './domain-policy.controller.js';
import { AccountQuotaController } from './account-quota.controller.js';
import { OpenApiController } from './openapi.controller.js';
import { QueueController } from './queue.controller.js';
import { QueueAdminController } from './queue-admin.controller.js';
import { TraceController } from './trace.controller.js';
import { MigrationsController } from './migrations.controller.js';
import { FetchAccountsController } from './fetch-accounts.controller.js';
import { SharesController } from './shares.controller.js';
import { SharedWithController } from './shared-with.controller.js';

/** The HTTP admin API. Needs `Bus` provided globally; talks to the services only through it. */
@Module({})
export class AdminApiModule {
  static forRoot(config: AdminApiConfig): DynamicModule {
    if (!config.token) throw new Error('AdminApiModule needs a non-empty token');
    return {
      module: AdminApiModule,
      controllers: [DomainsController, DomainPolicyController, AccountsController, AliasesController, QueueController, ConnectorsController, GroupsController, AccountQuotaController, OpenApiController, DkimController, QueueAdminController, TraceController, MigrationsController, FetchAccountsController, SharesController, SharedWithController],
      providers: [{ provide: ADMIN_API_CONFIG, useValue: config }, BearerGuard],
    };
  }
}
