import { Module, type DynamicModule } from '@nestjs/common';
import { BlobStore } from '@mail/blob';
import { Bus } from '@mail/bus';
import { Database } from '@mail/db';
import type { SecretBox } from '@mail/secrets';
import { createLogger } from '@mail/telemetry';
import { CredentialSealer } from './credentials.js';
import { FetchedMessageDelivery } from './delivery/fetched-message-delivery.js';
import { FetchAccountRepository } from './fetch/fetch-account.repository.js';
import { FetchAccountService } from './fetch/fetch-account.service.js';
import { FetchHandlers } from './fetch/fetch.handlers.js';
import { FetchRunner } from './fetch/fetch-runner.js';
import { FetchScheduler } from './fetch/fetch-scheduler.js';
import { MigrationSchema } from './migration-schema.js';
import type { RemoteSessionSettings } from './remote/imap-remote.js';

export interface MigrationConfig {
  /** our name in the Received: header of fetched mail */
  hostname: string;
  /** seals remote passwords (SECRETS_KEY); without it accounts cannot be added or run */
  secrets?: SecretBox;
  /** how sessions to remote servers behave (TLS trust, timeouts, size bound) */
  remote: Omit<RemoteSessionSettings, 'logger'>;
  fetch: {
    concurrency: number;
    pollMs: number;
    leaseMs: number;
    maxAuthFailures: number;
    maxMessagesPerRun: number;
  };
}

/** DI token of the validated configuration, for the parts of the service that need it. */
export const MIGRATION_CONFIG = Symbol('MIGRATION_CONFIG');

/**
 * The migration service (ADR 0028): external accounts (fetch, ADR 0029) and migration batches.
 * Needs Bus, Database and BlobStore provided globally (InfraModule). Runs as `apps/migration`
 * (distributed) and inside the embedded process.
 */
@Module({})
export class MigrationModule {
  static forRoot(config: MigrationConfig): DynamicModule {
    const logger = createLogger('migration');
    const remote: RemoteSessionSettings = { ...config.remote, logger };
    return {
      module: MigrationModule,
      providers: [
        { provide: MIGRATION_CONFIG, useValue: config },
        { provide: MigrationSchema, useFactory: (db: Database) => new MigrationSchema(db), inject: [Database] },
        { provide: CredentialSealer, useValue: new CredentialSealer(config.secrets) },
        {
          provide: FetchedMessageDelivery,
          useFactory: (bus: Bus, blobs: BlobStore) => // room for our Received: header on top of the largest message taken
            new FetchedMessageDelivery(bus, blobs, { hostname: config.hostname, maxMessageBytes: config.remote.maxMessageBytes + 64 * 1024 }),
          inject: [Bus, BlobStore],
        },
        { provide: FetchAccountRepository, useFactory: (db: Database) => new FetchAccountRepository(db), inject: [Database] },
        {
          provide: FetchRunner,
          useFactory: (repo: FetchAccountRepository, sealer: CredentialSealer, delivery: FetchedMessageDelivery) =>
            new FetchRunner(repo, sealer, delivery, { remote, leaseMs: config.fetch.leaseMs, maxAuthFailures: config.fetch.maxAuthFailures, maxMessagesPerRun: config.fetch.maxMessagesPerRun }, logger),
          inject: [FetchAccountRepository, CredentialSealer, FetchedMessageDelivery],
        },
        {
          provide: FetchScheduler,
          useFactory: (repo: FetchAccountRepository, runner: FetchRunner) => new FetchScheduler(repo, runner, config.fetch, logger),
          inject: [FetchAccountRepository, FetchRunner],
        },
        {
          provide: FetchAccountService,
          useFactory: (bus: Bus, repo: FetchAccountRepository, sealer: CredentialSealer, runner: FetchRunner, scheduler: FetchScheduler) =>
            new FetchAccountService(bus, repo, sealer, runner, scheduler, config.fetch.leaseMs),
          inject: [Bus, FetchAccountRepository, CredentialSealer, FetchRunner, FetchScheduler],
        },
        FetchHandlers,
      ],
      exports: [MigrationSchema, CredentialSealer, FetchedMessageDelivery],
    };
  }
}
