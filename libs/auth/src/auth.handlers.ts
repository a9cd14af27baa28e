import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Bus, type Subscription } from '@mail/bus';
import {
  AuthPing,
  CheckSender,
  CreateAccount,
  CreateAlias,
  CreateDomain,
  CreateGroup,
  DeleteAccount,
  DeleteAlias,
  DeleteDomain,
  DeleteGroup,
  DirectoryChanged,
  GetAccount,
  GetGroup,
  GetDomainPolicies,
  ListAccounts,
  ListAliases,
  ListDomains,
  ListGroups,
  ResolveRecipient,
  SetDomainPolicy,
  SetAccountQuota,
  SetPassword,
  UpdateGroup,
  UpdateGroupMembers,
  VerifyLogin,
} from '@mail/contracts';
import { Database, runMigrations } from '@mail/db';
import { DirectoryService } from './directory.service.js';
import { GroupService } from './group.service.js';
import { DomainPolicyRepository } from './domain-policy.repository.js';
import { validDomainRouting } from './domain-routing.rules.js';
import { LoginService } from './login.service.js';
import { directoryMigrations } from './migrations/001-directory.js';
import { RecipientService } from './recipient.service.js';

/** Brings the schema up to date, then answers the directory's contracts on the bus. */
@Injectable()
export class AuthHandlers implements OnModuleInit, OnModuleDestroy {
  private subscriptions: Subscription[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly db: Database,
    private readonly directory: DirectoryService,
    private readonly recipients: RecipientService,
    private readonly login: LoginService,
    private readonly groups: GroupService,
  ) {}

  async onModuleInit(): Promise<void> {
    await runMigrations(this.db, 'directory', directoryMigrations);
    await this.login.warmUp();
    const d = this.directory;
    const policies = new DomainPolicyRepository(this.db);
    this.subscriptions = await Promise.all([
      this.bus.handle(VerifyLogin, (p) => this.login.verify(p)),
      this.bus.handle(ResolveRecipient, (p) => this.recipients.resolve(p.address)),
      this.bus.handle(CheckSender, async (p) => ({ allowed: await this.recipients.maySendAs(p.accountId, p.address) })),
      this.bus.handle(CreateDomain, (p) => this.announcing('domain', d.createDomain(p.name))),
      this.bus.handle(ListDomains, () => d.listDomains()),
      this.bus.handle(DeleteDomain, (p) => this.announcing('domain', d.deleteDomain(p.name))),
      this.bus.handle(SetDomainPolicy, (p) => this.announcing('domain', policies.set(p.name, validDomainRouting(p)))),
      this.bus.handle(GetDomainPolicies, (p) => policies.get(p.domains)),
      this.bus.handle(CreateAccount, (p) => this.announcing('account', d.createAccount(p))),
      this.bus.handle(ListAccounts, (p) => d.listAccounts(p.domain)),
      this.bus.handle(GetAccount, (p) => d.getAccount(p.address)),
      this.bus.handle(DeleteAccount, (p) => this.announcing('account', d.deleteAccount(p.address))),
      this.bus.handle(SetPassword, (p) => d.setPassword(p.address, p.password)),
      this.bus.handle(SetAccountQuota, (p) => this.announcing('account', d.setAccountQuota(p))),
      this.bus.handle(CreateAlias, (p) => this.announcing('alias', d.createAlias(p))),
      this.bus.handle(ListAliases, (p) => d.listAliases(p.domain)),
      this.bus.handle(DeleteAlias, (p) => this.announcing('alias', d.deleteAlias(p.address))),
      this.bus.handle(CreateGroup, (p) => this.announcing('group', this.groups.create(p))),
      this.bus.handle(ListGroups, (p) => this.groups.list(p.domain)),
      this.bus.handle(GetGroup, (p) => this.groups.get(p.address)),
      this.bus.handle(DeleteGroup, (p) => this.announcing('group', this.groups.remove(p.address))),
      this.bus.handle(UpdateGroupMembers, (p) => this.announcing('group', this.groups.updateMembers(p))),
      this.bus.handle(UpdateGroup, (p) => this.announcing('group', this.groups.update(p))),
      this.bus.handle(AuthPing, async () => {
        await this.db.query('SELECT 1');
        return { ok: true as const };
      }),
    ]);
  }

  /**
   * Tells the recipient caches of smtp-in and delivery that answers may have changed, after the
   * change committed. A lost event costs at most their TTL of staleness, so it is not retried.
   */
  private async announcing<T>(change: 'domain' | 'account' | 'alias' | 'group', done: Promise<T>): Promise<T> {
    const result = await done;
    await this.bus.publish(DirectoryChanged, { change, at: new Date().toISOString() }).catch(() => undefined);
    return result;
  }

  async onModuleDestroy(): Promise<void> {
    const subs = this.subscriptions;
    this.subscriptions = [];
    await Promise.all(subs.map((s) => s.unsubscribe()));
  }
}
