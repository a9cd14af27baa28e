import './process-settings.js';
import './compile-cache.js';
import { startTelemetry } from '@mail/telemetry';
const telemetry = startTelemetry({ service: 'standalone' });

import { startEmbeddedPlatform } from '@mail/platform';

async function main(): Promise<void> {
  const started = performance.now();
  const platform = await startEmbeddedPlatform(process.env, { telemetry });
  const { host, ports } = platform;
  const lines = [
    `mail platform (embedded mode) ready in ${Math.round(performance.now() - started)} ms, data in ${platform.dataDir}`,
    `  SMTP (MX)     ${host}:${ports.smtp}`,
    `  submission    ${host}:${ports.submission} (STARTTLS, AUTH PLAIN/LOGIN)`,
    ports.submissions ? `  submissions   ${host}:${ports.submissions} (implicit TLS)` : '',
    `  IMAP          ${host}:${ports.imap} (STARTTLS)`,
    ports.imaps ? `  IMAPS         ${host}:${ports.imaps}` : '',
    `  POP3          ${host}:${ports.pop3} (STLS)`,
    ports.pop3s ? `  POP3S         ${host}:${ports.pop3s}` : '',
    `  admin API     http://${host}:${ports.admin}/api/v1  (OpenAPI: /api/openapi.json, health: /healthz /readyz /metrics)`,
    platform.adminTokenFile ? `  admin token   in ${platform.adminTokenFile} (mailctl reads it from there)` : '  admin token   from ADMIN_TOKEN',
  ].filter(Boolean);
  process.stdout.write(`${lines.join('\n')}\n`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await platform.close();
    await telemetry.shutdown();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((err) => {
  process.stderr.write(`failed to start: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
