import type { ReadinessChecks } from '@mail/telemetry';
import type { Infra } from './infra.js';

/** Every service is ready only when the things it uses answer. */
export function infraChecks(infra: Infra): ReadinessChecks {
  const checks: ReadinessChecks = { bus: () => infra.bus.ping() };
  if (infra.db) checks.database = () => infra.db!.query('SELECT 1');
  if (infra.blob) checks.blobs = () => infra.blob!.ping();
  return checks;
}
