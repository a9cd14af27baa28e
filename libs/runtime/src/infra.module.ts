import { Global, Module, type DynamicModule, type Provider } from '@nestjs/common';
import { BlobStore } from '@mail/blob';
import { Bus, LeaseStore } from '@mail/bus';
import { Database } from '@mail/db';
import { SessionSlots, SharedCounters } from '@mail/limits';
import type { Infra } from './infra.js';

/**
 * Hands the connected infrastructure to every feature module by its port token. Feature modules
 * never know whether they got NATS or the in-process bus, PostgreSQL or PGlite, S3 or a directory.
 */
@Global()
@Module({})
export class InfraModule {
  static forRoot(infra: Infra): DynamicModule {
    const providers: Provider[] = [
      { provide: Bus, useValue: infra.bus },
      { provide: LeaseStore, useValue: infra.leases },
    ];
    if (infra.counters) providers.push({ provide: SharedCounters, useValue: infra.counters });
    if (infra.sessionSlots) providers.push({ provide: SessionSlots, useValue: infra.sessionSlots });
    if (infra.db) providers.push({ provide: Database, useValue: infra.db });
    if (infra.blob) providers.push({ provide: BlobStore, useValue: infra.blob });
    return { module: InfraModule, providers, exports: providers.map((p) => (p as { provide: unknown }).provide as never) };
  }
}
