import { join } from 'node:path';
import { FsBlobStore, S3BlobStore, type BlobStore } from '@mail/blob';
import { InProcessBus, MemoryLeaseStore, NatsBus, NatsKvCounters, NatsKvLeaseStore, type Bus, type LeaseStore } from '@mail/bus';
import type { SharedCounters } from '@mail/limits';
import type { CommonEnv } from '@mail/config';
import { openDatabase, type Database } from '@mail/db';
import type { Logger } from '@mail/telemetry';
import { makeDataDirPrivate } from './private-data-dir.js';

export interface Infra {
  mode: 'embedded' | 'distributed';
  bus: Bus;
  leases: LeaseStore;
  /** cluster-wide rate counters (ADR 0039); none in the embedded mode, where one process is the cluster */
  counters?: SharedCounters;
  db?: Database;
  blob?: BlobStore;
  close(): Promise<void>;
}

/** The dependencies a service asks for. */
export interface InfraNeeds {
  db?: boolean;
  blob?: boolean;
}

/**
 * Connects what a distributed service needs: NATS always, PostgreSQL and S3 when asked. A missing
 * variable is a configuration error named up front, not a hang at the first request.
 */
export async function connectDistributedInfra(service: string, env: CommonEnv, needs: InfraNeeds, logger: Logger): Promise<Infra> {
  if (!env.NATS_URL) throw new Error(`NATS_URL is required to run ${service} as its own process (npm start runs the embedded mode)`);
  if (needs.db && !env.DATABASE_URL) throw new Error(`DATABASE_URL is required for ${service}`);
  const bus = await NatsBus.connect({ url: env.NATS_URL, service, prefix: env.BUS_PREFIX, logger });
  const leases = await NatsKvLeaseStore.open(bus.nc, `${env.BUS_PREFIX ? `${env.BUS_PREFIX}_` : ''}leases`);
  const counters = await NatsKvCounters.open(bus.nc, `${env.BUS_PREFIX ? `${env.BUS_PREFIX}_` : ''}limits`);
  const db = needs.db ? await openDatabase({ url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE, applicationName: service }) : undefined;
  const blob = needs.blob ? blobStoreFromEnv(env) : undefined;
  return {
    mode: 'distributed',
    bus,
    leases,
    counters,
    db,
    blob,
    close: async () => {
      await bus.close();
      await db?.close();
    },
  };
}

/** One process, every part embedded: PGlite and blobs under DATA_DIR, the in-process bus. */
export async function openEmbeddedInfra(env: CommonEnv, logger: Logger): Promise<Infra> {
  await makeDataDirPrivate(env.DATA_DIR);
  const bus = new InProcessBus({ service: 'standalone', logger });
  const db = await openDatabase({ url: env.DATABASE_URL, dataDir: env.DATA_DIR });
  const blob = blobStoreFromEnv(env);
  return {
    mode: 'embedded',
    bus,
    leases: new MemoryLeaseStore(),
    db,
    blob,
    close: async () => {
      await bus.close();
      await db.close();
    },
  };
}

export function blobStoreFromEnv(env: CommonEnv): BlobStore {
  if (env.S3_ENDPOINT) {
    return new S3BlobStore({
      endpoint: env.S3_ENDPOINT,
      accessKey: env.S3_ACCESS_KEY ?? '',
      secretKey: env.S3_SECRET_KEY ?? '',
      bucket: env.S3_BUCKET,
      region: env.S3_REGION,
    });
  }
  return new FsBlobStore(join(env.DATA_DIR, 'blobs'));
}
