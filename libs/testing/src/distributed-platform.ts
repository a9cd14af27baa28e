import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { loadOrCreateTls } from '@mail/config';
import { ChildService } from './child-service.js';
import { freePort } from './free-port.js';
import type { PlatformUnderTest } from './platform-under-test.js';
import { startTestS3, startTestS3InChild, type TestS3 } from './s3-server.js';
import { createTestDatabase } from './test-database.js';
import { startDnsServer, type TestDnsServer } from './dns-server.js';

export const SERVICES = ['auth', 'store', 'delivery', 'smtp-in', 'access', 'admin-api', 'migration'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface DistributedPlatform extends PlatformUnderTest {
  services: ChildService[];
  s3: TestS3;
  /** the platform's own PostgreSQL database (the bench fills message trace into it) */
  databaseUrl: string;
  /** start one more replica of a service (same database, bus and blobs), `env` added to its environment */
  addReplica(name: ServiceName, env?: NodeJS.ProcessEnv): Promise<ChildService>;
  /**
   * Kills a service's process with `signal` (SIGKILL: a crash) and starts it again with the same
   * environment and ports; answers the new process, once ready. It replaces the old one in `services`.
   */
  restartService(service: ChildService, signal?: NodeJS.Signals): Promise<ChildService>;
  logs(): string;
}

/**
 * The distributed mode as production runs it: every service its own process, talking only over
 * NATS (a subject prefix of its own), PostgreSQL (a fresh database) and S3 (s3rver).
 */
export async function startDistributedPlatform(opts: {
  databaseAdminUrl: string;
  natsUrl: string;
  env?: NodeJS.ProcessEnv;
  /** run the S3 server as a process of its own rather than inside this one (the benchmark does) */
  s3InChild?: boolean;
  /** processes per service (default 1): each smtp-in, access and admin-api replica listens on ports of its own */
  replicas?: number;
  /** an S3 server the caller owns (and may stop): the platform uses it and leaves it running */
  s3?: TestS3;
  /** runs on the fresh, empty database and S3 server before any service starts (a restore from backup) */
  beforeStart?: (state: { databaseUrl: string; s3: TestS3 }) => Promise<void>;
}): Promise<DistributedPlatform> {
  const db = await createTestDatabase(opts.databaseAdminUrl);
  const s3 = opts.s3 ?? (opts.s3InChild ? await startTestS3InChild() : await startTestS3());
  const closeS3 = () => (opts.s3 ? Promise.resolve() : s3.close());
  if (opts.beforeStart) {
    try {
      await opts.beforeStart({ databaseUrl: db.url, s3 });
    } catch (err) {
      await db.drop().catch(() => undefined);
      await closeS3().catch(() => undefined);
      throw err;
    }
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'mail-dist-'));
  const prefix = `t${randomBytes(5).toString('hex')}`;
  const adminToken = randomBytes(24).toString('base64url');
  let dns: TestDnsServer | undefined;
  let ports: { smtp: number; submission: number; imap: number; pop3: number; admin: number };
  try {
    dns = opts.env?.DNS_SERVERS ? undefined : await startDnsServer();
    // One certificate for every service, made before they start so they don't race to create it.
    await loadOrCreateTls({ dataDir, hostname: 'localhost' });
    ports = { smtp: await freePort(), submission: await freePort(), imap: await freePort(), pop3: await freePort(), admin: await freePort() };
  } catch (err) {
    // nothing may outlive a failed start: an open handle keeps the test process from ever exiting
    await dns?.close().catch(() => undefined);
    await closeS3().catch(() => undefined);
    await db.drop().catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }

  const baseEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    DATA_DIR: dataDir,
    BIND_HOST: '127.0.0.1',
    HOSTNAME_FQDN: 'localhost',
    NATS_URL: opts.natsUrl,
    BUS_PREFIX: prefix,
    DATABASE_URL: db.url,
    DATABASE_POOL_SIZE: '5',
    S3_ENDPOINT: s3.endpoint,
    S3_ACCESS_KEY: s3.accessKey,
    S3_SECRET_KEY: s3.secretKey,
    S3_BUCKET: 'mail',
    ADMIN_TOKEN: adminToken,
    ADMIN_PORT: String(ports.admin),
    SMTP_PORT: String(ports.smtp),
    SUBMISSION_PORT: String(ports.submission),
    IMAP_PORT: String(ports.imap),
    POP3_PORT: String(ports.pop3),
    AUTH_LOGIN_DELAY_MS: '100',
    SHUTDOWN_GRACE_MS: '3000',
    SECRETS_KEY: randomBytes(32).toString('base64'),
    ...(dns ? { DNS_SERVERS: dns.servers.join(',') } : {}),
    ...opts.env,
  };

  const services: ChildService[] = [];
  const spawnService = async (name: ServiceName, replica = false, extraEnv: NodeJS.ProcessEnv = {}): Promise<ChildService> => {
    const adminPort = name === 'admin-api' && replica ? await freePort() : ports.admin;
    const httpPort = name === 'admin-api' ? adminPort : await freePort();
    const env = { ...baseEnv, ...extraEnv, HTTP_PORT: String(httpPort), OTEL_SERVICE_NAME: name };
    if (replica) {
      // a second replica of a listener gets its own ports; it shares everything else
      if (name === 'smtp-in') Object.assign(env, { SMTP_PORT: String(await freePort()), SUBMISSION_PORT: String(await freePort()) });
      if (name === 'access') Object.assign(env, { IMAP_PORT: String(await freePort()), POP3_PORT: String(await freePort()) });
      if (name === 'admin-api') Object.assign(env, { ADMIN_PORT: String(adminPort) });
    }
    const svc = new ChildService(name, env, httpPort);
    services.push(svc);
    return svc;
  };

  const cleanup = async () => {
    await Promise.all(services.map((s) => s.stop()));
    await closeS3().catch(() => undefined);
    await db.drop().catch(() => undefined);
    await dropLeaseBucket(opts.natsUrl, `${prefix}_leases`).catch(() => undefined);
    await dropLeaseBucket(opts.natsUrl, `${prefix}_limits`).catch(() => undefined);
    await dropLeaseBucket(opts.natsUrl, `${prefix}_sessions`).catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
    await dns?.close();
  };

  try {
    // auth and store first: the others call them as soon as they are ready
    const replicas = Math.max(1, opts.replicas ?? 1);
    const spawnAll = (names: readonly ServiceName[]) => Promise.all(names.flatMap((n) => Array.from({ length: replicas }, (_, i) => spawnService(n, i > 0))));
    const core = await spawnAll(['auth', 'store']);
    await Promise.all(core.map((s) => s.waitReady()));
    const rest = await spawnAll(['delivery', 'smtp-in', 'access', 'admin-api', 'migration']);
    await Promise.all(rest.map((s) => s.waitReady()));
  } catch (err) {
    await cleanup();
    throw err;
  }

  return {
    mode: 'distributed',
    host: '127.0.0.1',
    ports,
    adminUrl: `http://127.0.0.1:${ports.admin}`,
    adminToken,
    dns,
    services,
    s3,
    databaseUrl: db.url,
    addReplica: async (name, env) => {
      const svc = await spawnService(name, true, env);
      await svc.waitReady();
      return svc;
    },
    restartService: async (service, signal = 'SIGKILL') => {
      await service.kill(signal);
      const again = new ChildService(service.name, service.env, service.httpPort);
      services.splice(services.indexOf(service), 1, again);
      await again.waitReady();
      return again;
    },
    logs: () => services.map((s) => `--- ${s.name} ---\n${s.log}`).join('\n'),
    close: cleanup,
  };
}

async function dropLeaseBucket(natsUrl: string, bucket: string): Promise<void> {
  const nc = await connect({ servers: natsUrl });
  try {
    const kv = await new Kvm(nc).open(bucket);
    await kv.destroy();
  } finally {
    await nc.close();
  }
}
