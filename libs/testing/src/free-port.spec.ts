import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { candidateRange, freePort } from './free-port.js';

describe('freePort', () => {
  it('stays out of the kernel ephemeral range, where outgoing connections take their ports', () => {
    assert.deepEqual(candidateRange([32768, 60999]), [10000, 32768]);
    assert.deepEqual(candidateRange([10500, 40000]), [40001, 65536]);
    // a range covering nearly everything leaves nothing quiet: any port above the well-known ones
    assert.deepEqual(candidateRange([1024, 65535]), [10000, 65536]);
  });

  it('hands out distinct ports that can be listened on', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    assert.equal(new Set(ports).size, ports.length);
    for (const port of ports.slice(0, 3)) {
      const srv = createServer();
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(port, '127.0.0.1', resolve);
      });
      await new Promise((r) => srv.close(r));
    }
  });
});
