import type { ReadinessChecks } from '@mail/telemetry';
import type { Infra } from './infra.js';

/** Every service is ready only when the things it uses answer. */
export function infraChecks(infra: Infra): ReadinessChecks {
  const checks: ReadinessChecks = { bus: () => infra.bus.ping() };
  const { db, blob } = infra;
  if (db) checks.database = () => db.query('SELECT 1');
  if (blob) checks.blobs = () => blob.ping();
  return checks;
}
