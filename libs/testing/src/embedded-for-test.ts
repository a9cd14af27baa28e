import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startEmbeddedPlatform } from '@mail/platform';
import type { Telemetry } from '@mail/telemetry';
import { startDnsServer } from './dns-server.js';
import type { PlatformUnderTest } from './platform-under-test.js';

/** The embedded platform on ephemeral loopback ports with its data in a temporary directory. */
export async function startEmbeddedForTest(opts: { env?: NodeJS.ProcessEnv; telemetry?: Telemetry; dataDir?: string } = {}): Promise<PlatformUnderTest & { dataDir: string }> {
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'mail-embedded-')));
  const adminToken = randomBytes(24).toString('base64url');
  const dns = opts.env?.DNS_SERVERS ? undefined : await startDnsServer();
  let platform: Awaited<ReturnType<typeof startEmbeddedPlatform>>;
  try {
    platform = await startEmbeddedPlatform(
      {
        DATA_DIR: dataDir,
        BIND_HOST: '127.0.0.1',
        ADMIN_BIND_HOST: '127.0.0.1',
        HOSTNAME_FQDN: 'localhost',
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
        SMTP_PORT: '0',
        SUBMISSION_PORT: '0',
        IMAP_PORT: '0',
        POP3_PORT: '0',
        ADMIN_PORT: '0',
        ADMIN_TOKEN: adminToken,
        AUTH_LOGIN_DELAY_MS: '100',
        ...(dns ? { DNS_SERVERS: dns.servers.join(',') } : {}),
        ...opts.env,
      },
      { telemetry: opts.telemetry },
    );
  } catch (err) {
    // a failed start must not leave the DNS server open: it would keep the test process alive
    await dns?.close().catch(() => undefined);
    if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    mode: 'embedded',
    host: '127.0.0.1',
    dataDir,
    ports: platform.ports,
    adminUrl: `http://127.0.0.1:${platform.ports.admin}`,
    adminToken,
    dns,
    close: async () => {
      await platform.close();
      await dns?.close();
      if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
