import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startEmbeddedForTest, type PlatformUnderTest } from '@mail/testing';

/** true when a TCP connection to host:port is accepted */
function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

// Linux routes all of 127/8 to lo, so two loopback addresses stand for "public" and "internal".
const PUBLIC = '127.0.0.2';
const INTERNAL = '127.0.0.1';

describe('ADMIN_BIND_HOST keeps the admin API off the mail listeners\' address (issue 11)', { timeout: 60_000 }, () => {
  let p: PlatformUnderTest;

  before(async () => {
    p = await startEmbeddedForTest({ env: { BIND_HOST: PUBLIC, ADMIN_BIND_HOST: INTERNAL } });
  });
  after(async () => p?.close());

  it('serves SMTP and IMAP on BIND_HOST only', async () => {
    assert.equal(await reachable(PUBLIC, p.ports.smtp), true);
    assert.equal(await reachable(PUBLIC, p.ports.imap), true);
    assert.equal(await reachable(INTERNAL, p.ports.smtp), false);
  });

  it('serves the admin API and its health/metrics on ADMIN_BIND_HOST only', async () => {
    const health = await fetch(`http://${INTERNAL}:${p.ports.admin}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(await reachable(PUBLIC, p.ports.admin), false);
  });
});
