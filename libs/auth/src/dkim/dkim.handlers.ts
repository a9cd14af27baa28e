import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Bus, type Subscription } from '@mail/bus';
import { CreateDkimKey, DeleteDkimKey, DkimKeysChanged, GetDkimSigningKeys, GetDomainDnsRecords, ListDkimKeys, RotateDkimKeys } from '@mail/contracts';
import { DkimService } from './dkim.service.js';

/**
 * DKIM keys and DNS records on the bus. Subscribed at bootstrap, after AuthHandlers has brought
 * the `directory` schema (and its dkim_keys table) up to date in onModuleInit.
 */
@Injectable()
export class DkimHandlers implements OnApplicationBootstrap, OnModuleDestroy {
  private subscriptions: Subscription[] = [];

  constructor(
    private readonly bus: Bus,
    @Inject(DkimService) private readonly dkim: DkimService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const d = this.dkim;
    this.subscriptions = await Promise.all([
      this.bus.handle(CreateDkimKey, (p) => this.announcing(p.domain, d.create(p))),
      this.bus.handle(ListDkimKeys, (p) => d.list(p.domain)),
      this.bus.handle(RotateDkimKeys, (p) => this.announcing(p.domain, d.rotate(p))),
      this.bus.handle(DeleteDkimKey, (p) => this.announcing(p.domain, d.remove(p))),
      this.bus.handle(GetDkimSigningKeys, (p) => d.signingKeys(p.domain)),
      this.bus.handle(GetDomainDnsRecords, (p) => d.dnsRecords(p.domain)),
    ]);
  }

  /** Delivery caches signing keys; a lost event costs at most that cache's TTL. */
  private async announcing<T>(domain: string, done: Promise<T>): Promise<T> {
    const result = await done;
    await this.bus.publish(DkimKeysChanged, { domain: domain.toLowerCase(), at: new Date().toISOString() }).catch(() => undefined);
    return result;
  }

  async onModuleDestroy(): Promise<void> {
    const subs = this.subscriptions;
    this.subscriptions = [];
    await Promise.all(subs.map((s) => s.unsubscribe()));
  }
}
