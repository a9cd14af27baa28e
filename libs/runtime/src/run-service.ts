import 'reflect-metadata';
import { Module, type DynamicModule, type INestApplication, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { CommonEnv, loadConfig } from '@mail/config';
import { createLogger, opsHandler, startOpsServer, startTelemetry, type OpsServer, type ReadinessChecks } from '@mail/telemetry';
import { connectDistributedInfra, type Infra, type InfraNeeds } from './infra.js';
import { InfraModule } from './infra.module.js';
import { PinoNestLogger } from './nest-logger.js';
import { infraChecks } from './readiness.js';

export interface ServiceDefinition<E extends z.ZodObject> {
  name: string;
  /** the app's own variables; merged with CommonEnv */
  env: E;
  needs: InfraNeeds;
  module(config: z.output<E> & CommonEnv, infra: Infra): DynamicModule | Promise<DynamicModule>;
  /** HTTP apps (admin-api) serve their API and the ops endpoints on one port */
  http?: { port(config: z.output<E> & CommonEnv): number; configure?(app: INestApplication, config: z.output<E> & CommonEnv): void | Promise<void> };
  readiness?(infra: Infra): ReadinessChecks;
  /** printed once started, e.g. the listening ports */
  describe?(app: INestApplicationContext): Record<string, unknown>;
}

/**
 * main.ts of every distributed service: telemetry first, then validated config, then the
 * infrastructure, then the Nest application; SIGTERM drains (stop taking work, finish what is in
 * flight, then close connections).
 */
export async function runService<E extends z.ZodObject>(def: ServiceDefinition<E>): Promise<void> {
  const telemetry = startTelemetry({ service: def.name });
  const logger = createLogger(def.name);
  let config: z.output<E> & CommonEnv;
  try {
    config = loadConfig(CommonEnv.extend(def.env.shape)) as z.output<E> & CommonEnv;
  } catch (err) {
    logger.fatal((err as Error).message);
    process.exit(78); // EX_CONFIG
  }
  const infra = await connectDistributedInfra(def.name, config, def.needs, logger);
  const featureModule = await def.module(config, infra);

  @Module({ imports: [InfraModule.forRoot(infra), featureModule] })
  class ServiceRootModule {}

  let draining = false;
  const checks = { ...infraChecks(infra), ...(def.readiness?.(infra) ?? {}) };
  let app: INestApplicationContext;
  let ops: OpsServer | undefined;
  if (def.http) {
    const httpApp = await NestFactory.create(ServiceRootModule, { logger: new PinoNestLogger(logger), bodyParser: true });
    const handleOps = opsHandler(telemetry, checks, () => draining);
    httpApp.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
      handleOps(req, res).then((served) => (served ? undefined : next()), next);
    });
    await def.http.configure?.(httpApp, config);
    await httpApp.listen(def.http.port(config), config.ADMIN_BIND_HOST);
    app = httpApp;
  } else {
    app = await NestFactory.createApplicationContext(ServiceRootModule, { logger: new PinoNestLogger(logger) });
    await app.init();
    ops = await startOpsServer({ host: config.ADMIN_BIND_HOST, port: config.HTTP_PORT, telemetry, checks, isDraining: () => draining });
  }
  logger.info({ mode: infra.mode, opsPort: ops?.port, ...(def.describe?.(app) ?? {}) }, `${def.name} started`);

  const shutdown = async (signal: string) => {
    if (draining) return;
    draining = true;
    logger.info({ signal }, `${def.name} draining`);
    const hardStop = setTimeout(() => process.exit(1), config.SHUTDOWN_GRACE_MS + 5000);
    hardStop.unref();
    try {
      await app.close();
      await infra.close();
      await ops?.close();
      await telemetry.shutdown();
    } finally {
      logger.info(`${def.name} stopped`);
      process.exit(0);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}
