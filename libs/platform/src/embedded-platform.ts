import 'reflect-metadata';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AccessModule, AccessService } from '@mail/access';
import { AdminApiModule, configureAdminApp } from '@mail/admin-api';
import { AuthModule } from '@mail/auth';
import { ConnectorsModule } from '@mail/connectors';
import { loadConfig, resolveAdminToken } from '@mail/config';
import { DeliveryModule } from '@mail/delivery';
import { MigrationModule, imapSessionOpener } from '@mail/migration';
import { InfraModule, PinoNestLogger, accessConfig, batchConfig, authConfig, deliveryConfig, infraChecks, migrationConfig, openEmbeddedInfra, platformSecrets, serverTls, smtpInConfig, srsSettings, traceConfig } from '@mail/runtime';
import { SmtpInModule, SmtpInService } from '@mail/smtp-in';
import { MigrationBatchModule } from '@mail/migration-batch';
import { StoreAppends, StoreModule, StoreReads } from '@mail/store';
import { TraceModule } from '@mail/trace';
import { createLogger, opsHandler, startTelemetry, type Telemetry } from '@mail/telemetry';
import { EmbeddedEnv } from './embedded-env.js';
import { EMBEDDED_MIGRATIONS } from './embedded-migrations.js';

export interface EmbeddedPlatform {
  ports: { smtp: number; submission: number; submissions?: number; imap: number; imaps?: number; pop3: number; pop3s?: number; admin: number };
  host: string;
  dataDir: string;
  adminToken: string;
  adminTokenFile?: string;
  close(): Promise<void>;
}

/**
 * The whole platform in one process: the same feature modules as the distributed services, wired
 * to PGlite, a blob directory and the in-process bus. `npm start` and the fast tests run this.
 */
export async function startEmbeddedPlatform(env: NodeJS.ProcessEnv = process.env, opts: { telemetry?: Telemetry } = {}): Promise<EmbeddedPlatform> {
  const telemetry = opts.telemetry ?? startTelemetry({ service: 'standalone' });
  const config = loadConfig(EmbeddedEnv, env);
  const logger = createLogger('standalone', config.LOG_LEVEL);
  const infra = await openEmbeddedInfra(config, logger, { migrations: EMBEDDED_MIGRATIONS });
  const tls = await serverTls(config);
  const admin = await resolveAdminToken({ envToken: config.ADMIN_TOKEN, dataDir: config.DATA_DIR });
  const secrets = await platformSecrets(config, 'embedded');
  const migration = migrationConfig(config);
  const batch = batchConfig(config);
  // one replica: every batch change is handled here, so idle workers wait for it instead of polling
  const batchWorker = { ...batch.worker, singleReplica: true };
  const store = StoreModule.forRoot({});
  // IMAP reads (ADR 0057) and appends (ADR 0063) straight through the store's code in this same process
  const storeReads =
    config.ACCESS_STORE_READS === 'direct'
      ? {
          imports: [store],
          inject: [StoreReads],
          useFactory: (reads: StoreReads) => reads,
          appends: config.ACCESS_STORE_APPENDS === 'direct' ? { inject: [StoreAppends], useFactory: (appends: StoreAppends) => appends } : undefined,
        }
      : undefined;

  @Module({
    imports: [
      InfraModule.forRoot(infra),
      AuthModule.forRoot({ ...authConfig(config), hostname: config.HOSTNAME_FQDN, secrets }),
      ConnectorsModule.forRoot({ sealer: secrets }),
      store,
      DeliveryModule.forRoot({ ...deliveryConfig(config), secrets, srs: srsSettings(config, secrets) }),
      SmtpInModule.forRoot({ ...smtpInConfig(config, tls), srs: srsSettings(config, secrets) }),
      AccessModule.forRoot(accessConfig(config, tls), storeReads),
      AdminApiModule.forRoot({ token: admin.token }),
      TraceModule.forRoot(traceConfig(config)),
      MigrationModule.forRoot({ ...migration, secrets }),
      MigrationBatchModule.forRoot({ ...batch, worker: batchWorker, secrets, openSession: imapSessionOpener(migration.remote) }),
    ],
  })
  class EmbeddedRootModule {}

  const app: INestApplication = await NestFactory.create(EmbeddedRootModule, { logger: new PinoNestLogger(logger) });
  let draining = false;
  const handleOps = opsHandler(telemetry, infraChecks(infra), () => draining);
  app.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
    handleOps(req, res).then((served) => (served ? undefined : next()), next);
  });
  configureAdminApp(app, { token: admin.token });
  await app.listen(config.ADMIN_PORT, config.ADMIN_BIND_HOST);

  const smtp = app.get(SmtpInService).ports();
  const access = app.get(AccessService).ports();
  const adminPort = (app.getHttpServer().address() as AddressInfo).port;
  return {
    host: config.BIND_HOST,
    dataDir: config.DATA_DIR,
    adminToken: admin.token,
    adminTokenFile: admin.file,
    ports: {
      smtp: smtp.mx,
      submission: smtp.submission,
      submissions: smtp.submissions,
      imap: access.imap,
      imaps: access.imaps,
      pop3: access.pop3,
      pop3s: access.pop3s,
      admin: adminPort,
    },
    close: async () => {
      draining = true;
      await app.close();
      await infra.close();
    },
  };
}
