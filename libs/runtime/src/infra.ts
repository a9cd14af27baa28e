import { join } from 'node:path';
import { FsBlobStore, InlineBlobStore, S3BlobStore, type BlobStore } from '@mail/blob';
import { InProcessBus, MemoryLeaseStore, NatsBus, NatsKvCounters, NatsKvLeaseStore, NatsKvSessionSlots, type Bus, type LeaseStore } from '@mail/bus';
import type { SessionSlots, SharedCounters } from '@mail/limits';
import type { CommonEnv } from '@mail/config';
import { openDatabase, type Database, type SchemaMigrations } from '@mail/db';
import type { Logger } from '@mail/telemetry';
import { makeDataDirPrivate } from './private-data-dir.js';

export interface Infra {
  mode: 'embedded' | 'distributed';
  bus: Bus;
  leases: LeaseStore;
  /** cluster-wide rate counters (ADR 0039); none in the embedded mode, where one process is the cluster */
  counters?: SharedCounters;
  /** sessions per account across the replicas (ADR 0065); none in the embedded mode */
  sessionSlots?: SessionSlots;
  db?: Database;
  blob?: BlobStore;
  close(): Promise<void>;
}

/** The dependencies a service asks for. */
export interface InfraNeeds {
  /** 'if-configured': opened when DATABASE_URL is set, else the service does without */
  db?: boolean | 'if-configured';
  blob?: boolean;
  /** the cluster-wide per-user session count (access) */
  sessionSlots?: boolean;
}

/**
 * Connects what a distributed service needs: NATS always, PostgreSQL and S3 when asked. A missing
 * variable is a configuration error named up front, not a hang at the first request.
 */
export async function connectDistributedInfra(service: string, env: CommonEnv, needs: InfraNeeds, logger: Logger): Promise<Infra> {
  if (!env.NATS_URL) throw new Error(`NATS_URL is required to run ${service} as its own process (npm start runs the embedded mode)`);
  if (needs.db === true && !env.DATABASE_URL) throw new Error(`DATABASE_URL is required for ${service}`);
  // small bodies live in PostgreSQL (ADR 0052): whoever writes or reads blobs needs the database too
  const inlineBlobs = !!needs.blob && !!env.S3_ENDPOINT && env.BLOB_INLINE_MAX_BYTES > 0;
  if (inlineBlobs && !env.DATABASE_URL) throw new Error(`DATABASE_URL is required for ${service}: bodies up to BLOB_INLINE_MAX_BYTES are kept in PostgreSQL (0 keeps them all in S3)`);
  const bus = await NatsBus.connect({ url: env.NATS_URL, service, prefix: env.BUS_PREFIX, logger });
  const leases = await NatsKvLeaseStore.open(bus.nc, `${env.BUS_PREFIX ? `${env.BUS_PREFIX}_` : ''}leases`);
  const counters = await NatsKvCounters.open(bus.nc, `${env.BUS_PREFIX ? `${env.BUS_PREFIX}_` : ''}limits`);
  const sessionSlots = needs.sessionSlots ? await NatsKvSessionSlots.open(bus.nc, `${env.BUS_PREFIX ? `${env.BUS_PREFIX}_` : ''}sessions`, { logger }) : undefined;
  const withDb = needs.db === true || (needs.db === 'if-configured' && !!env.DATABASE_URL) || (!!needs.blob && !!env.DATABASE_URL && !!env.S3_ENDPOINT);
  const db = withDb ? await openDatabase({ url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE, applicationName: service }) : undefined;
  const blob = needs.blob ? await blobStoreFromEnv(env, db) : undefined;
  return {
    mode: 'distributed',
    bus,
    leases,
    counters,
    sessionSlots,
    db,
    blob,
    close: async () => {
      await sessionSlots?.close();
      await bus.close();
      await db?.close();
    },
  };
}

/**
 * One process, every part embedded: PGlite and blobs under DATA_DIR, the in-process bus.
 * `migrations`: the schemas the process migrates at start, so a fresh PGlite can start from the
 * template that holds them already (ADR 0070).
 */
export async function openEmbeddedInfra(env: CommonEnv, logger: Logger, opts: { migrations?: SchemaMigrations } = {}): Promise<Infra> {
  await makeDataDirPrivate(env.DATA_DIR);
  const bus = new InProcessBus({ service: 'standalone', logger });
  const onLost = (err: Error) => {
    // nothing can be accepted or read without it: exit so the supervisor (systemd, Kubernetes)
    // starts the process again on its data directory, instead of refusing every request
    logger.fatal({ err }, 'the embedded database thread is gone: exiting');
    process.exit(1);
  };
  const db = await openDatabase({ url: env.DATABASE_URL, dataDir: env.DATA_DIR, migrations: opts.migrations, thread: env.EMBEDDED_PGLITE_THREAD, onLost });
  const blob = await blobStoreFromEnv(env);
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

/**
 * S3 (with small bodies in PostgreSQL when `db` is given: ADR 0052), else a directory under
 * DATA_DIR. The embedded mode keeps every body in the directory: a file write costs its one
 * process less than a row through PGlite's single thread.
 */
export async function blobStoreFromEnv(env: CommonEnv, db?: Database): Promise<BlobStore> {
  if (env.S3_ENDPOINT) {
    const s3 = new S3BlobStore({
      endpoint: env.S3_ENDPOINT,
      accessKey: env.S3_ACCESS_KEY ?? '',
      secretKey: env.S3_SECRET_KEY ?? '',
      bucket: env.S3_BUCKET,
      region: env.S3_REGION,
    });
    return db ? InlineBlobStore.open(db, s3, env.BLOB_INLINE_MAX_BYTES) : s3;
  }
  return new FsBlobStore(join(env.DATA_DIR, 'blobs'));
}
