import 'reflect-metadata';
import { Global, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { BlobStore } from '@mail/blob';
import { Bus } from '@mail/bus';
import { Database } from '@mail/db';
import { StoreAppends } from './store-appends.js';
import type { StoreConfig } from './store.config.js';
import { StoreReadsModule } from './store.module.js';

/**
 * The store's APPEND composed as `access` composes it (StoreReadsModule on the process's bus,
 * database and blob store), for code that is not a Nest application of its own: specs of the
 * store and end-to-end tests that run it on a server they crash (ADR 0073). `close` ends the
 * composition, not the bus, database or blob store it was given.
 */
export async function composeStoreAppends(infra: { bus: Bus; db: Database; blobs: BlobStore }, config: StoreConfig = {}): Promise<{ appends: StoreAppends; close(): Promise<void> }> {
  @Global()
  @Module({
    providers: [
      { provide: Bus, useValue: infra.bus },
      { provide: Database, useValue: infra.db },
      { provide: BlobStore, useValue: infra.blobs },
    ],
    exports: [Bus, Database, BlobStore],
  })
  class ComposedInfra {}
  @Module({ imports: [ComposedInfra, StoreReadsModule.forRoot(config)] })
  class ComposedRoot {}
  const app = await NestFactory.createApplicationContext(ComposedRoot, { logger: false });
  return { appends: app.get(StoreAppends), close: () => app.close() };
}
