import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TrackedStep } from '@mail/contracts';
import { createLogger } from '@mail/telemetry';
import type { TraceRepository } from './trace.repository.js';
import { TraceWriter } from './trace-writer.js';

const step = (n: number): TrackedStep => ({ event: 'queued', at: new Date().toISOString(), queueId: `q${n}`, sender: 'a@example.org', recipient: 'b@example.org', service: 'delivery' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** a repository whose database is gone: every write fails, and the attempts are counted */
function closedDatabase() {
  const repo = {
    attempts: 0,
    async write() {
      repo.attempts += 1;
      throw new Error('PGlite is closed');
    },
  };
  return repo;
}

describe('TraceWriter at shutdown', () => {
  it('stops retrying once closed, instead of knocking on a closed database every flushMs for ever', async () => {
    const repo = closedDatabase();
    const writer = new TraceWriter(repo as unknown as TraceRepository, createLogger('test', 'silent'), { flushMs: 5 });
    writer.add([step(1), step(2)]);
    await writer.flush();
    assert.ok(repo.attempts >= 1);
    writer.close();
    const attempts = repo.attempts;
    writer.add([step(3)]);
    await sleep(50);
    assert.equal(repo.attempts, attempts, 'no write after close');
  });
});
