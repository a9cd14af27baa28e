import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as contracts from './index.js';
import type { EventContract, RequestContract } from './contract.js';

/**
 * Rolling upgrades (ADR 0038): old and new replicas talk over one bus, so a payload from a newer
 * peer may carry fields an older one does not know. zod's object() drops unknown keys, which is
 * what keeps an old handler working; a strict() object refuses them. Strict is allowed only where an
 * administrator's input must not lose a field silently (a connector created by a newer admin-api
 * against an older connectors service is refused with a clear error, not created without the
 * setting the administrator asked for).
 */
const STRICT_ALLOWED = new Set(['connectors.create.v1', 'connectors.update.v1', 'connectors.import.v1']);

type AnyContract = RequestContract | EventContract;
interface Zodish {
  _zod: { def: Record<string, unknown> & { type: string } };
}

const isSchema = (v: unknown): v is Zodish => typeof v === 'object' && v !== null && '_zod' in v;

/** every object schema within `root` that refuses unknown keys, with the path to it */
function strictObjects(root: unknown, path: string, seen = new Set<unknown>()): string[] {
  if (!isSchema(root) || seen.has(root)) return [];
  seen.add(root);
  const def = root._zod.def;
  const found: string[] = [];
  if (def.type === 'object') {
    const catchall = def.catchall as Zodish | undefined;
    if (catchall?._zod.def.type === 'never') found.push(path || '(root)');
  }
  for (const [key, value] of Object.entries(def)) {
    if (key === 'catchall') continue;
    if (isSchema(value)) found.push(...strictObjects(value, `${path}.${key}`, seen));
    else if (Array.isArray(value)) value.forEach((v, i) => found.push(...strictObjects(v, `${path}.${key}[${i}]`, seen)));
    else if (key === 'shape' && value && typeof value === 'object') {
      for (const [field, v] of Object.entries(value)) found.push(...strictObjects(v, `${path}.${field}`, seen));
    }
  }
  return found;
}

const all = Object.values(contracts as Record<string, unknown>).filter((v): v is AnyContract => typeof v === 'object' && v !== null && 'kind' in v && 'subject' in v && (v.kind === 'request' || v.kind === 'event'));

describe('bus contracts tolerate fields from a newer peer', () => {
  it('finds the contracts (sanity)', () => {
    assert.ok(all.length > 50, `only ${all.length} contracts found`);
  });

  it('no request, response or event schema refuses unknown fields, except the administrator-input ones', () => {
    const offenders: string[] = [];
    for (const c of all) {
      const parts = c.kind === 'request' ? { request: c.request, response: c.response } : { payload: c.payload };
      for (const [part, schema] of Object.entries(parts)) {
        for (const where of strictObjects(schema, '')) if (!STRICT_ALLOWED.has(c.subject)) offenders.push(`${c.subject} ${part}${where}`);
      }
    }
    assert.deepEqual(offenders, [], 'strict objects would refuse a newer peer');
    // the walk does find strict objects: the allowed ones are
    assert.ok(strictObjects(contracts.CreateConnector.request, '').length > 0);
  });

  it('an event and a request with unknown fields parse, the unknown fields dropped', () => {
    const step = { event: 'received', at: new Date().toISOString(), sender: 'a@b.test', service: 'smtp-in', fromRelease: 'n+1' };
    const parsed = contracts.MessageTracked.payload.parse({ steps: [step], addedInRelease: { x: 1 } }) as { steps: Array<Record<string, unknown>> };
    assert.equal(parsed.steps[0].event, 'received');
    assert.equal('fromRelease' in parsed.steps[0], false);
    const traffic = contracts.GetConnectorTraffic.request.parse({ connectors: ['Contoso'], window: 'week' });
    assert.deepEqual(traffic, { connectors: ['Contoso'] });
  });
});
