import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, it } from 'node:test';
import { metrics, trace } from '@opentelemetry/api';
import { createLogger } from './logger.js';
import { startOpsServer } from './ops-server.js';
import { startTelemetry } from './telemetry.js';
import { memoryLimitBytes } from './process-metrics.js';
import { certificateNotAfter, registerCertificateExpiry } from './certificate-metrics.js';

const telemetry = startTelemetry({ service: 'telemetry-test' });
after(() => telemetry.shutdown());

it('serves liveness, readiness with per-dependency results, and Prometheus metrics', async () => {
  let dbUp = false;
  const ops = await startOpsServer({ host: '127.0.0.1', port: 0, telemetry, checks: { database: async () => { if (!dbUp) throw new Error('connection refused'); } } });
  try {
    const base = `http://127.0.0.1:${ops.port}`;
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    const notReady = await fetch(`${base}/readyz`);
    assert.equal(notReady.status, 503);
    assert.match(JSON.stringify(await notReady.json()), /connection refused/);
    dbUp = true;
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    metrics.getMeter('t').createCounter('mail_test_things_total').add(3);
    const text = await (await fetch(`${base}/metrics`)).text();
    assert.match(text, /^mail_test_things_total\{.*\} 3$/m);
    assert.match(text, /^process_resident_memory_bytes/m);
    assert.match(text, /^process_memory_limit_bytes\{[^}]*\} [1-9]\d*$/m);
    // A gauge whose name ends in _seconds stays a gauge (the seconds buckets are for histograms).
    assert.match(text, /^nodejs_eventloop_delay_p99_seconds\{[^}]*\} [\d.e+-]+$/m);
    assert.doesNotMatch(text, /nodejs_eventloop_delay_p99_seconds_bucket/);
    assert.equal((await fetch(`${base}/nope`)).status, 404);
  } finally {
    await ops.close();
  }
});

it('logs JSON with the trace ID and never the password', async () => {
  const lines: string[] = [];
  const sink = new Writable({ write: (c, _e, cb) => (lines.push(c.toString()), cb()) });
  const testLogger = createLogger('t', 'info', sink);
  let recording = true;
  trace.getTracer('t').startActiveSpan('op', (span) => {
    testLogger.info({ user: 'alice', password: 'hunter2', nested: { token: 'abc' } }, 'login');
    recording = span.isRecording();
    span.end();
  });
  // no exporter configured: spans are not recorded, yet they have IDs for the logs and the bus
  assert.equal(recording, false);
  const entry = JSON.parse(lines.at(-1)!);
  assert.equal(entry.password, '[redacted]');
  assert.equal(entry.nested.token, '[redacted]');
  assert.match(entry.trace_id, /^[0-9a-f]{32}$/);
  assert.notEqual(entry.trace_id, '0'.repeat(32));
  assert.ok(!lines.join('').includes('hunter2'));
});

it('reads a container memory limit, and none when the cgroup has no limit', () => {
  assert.equal(memoryLimitBytes(805306368), 805306368);
  assert.equal(memoryLimitBytes(0), undefined);
  assert.equal(memoryLimitBytes(undefined), undefined);
  assert.equal(memoryLimitBytes(18446744073709552000), undefined);
  assert.equal(memoryLimitBytes(Number.NaN), undefined);
});

it('exports the served certificate notAfter, and nothing for garbage', async () => {
  const { generate } = await import('selfsigned');
  const notAfter = new Date(Date.UTC(2031, 5, 1, 12, 0, 0));
  const pems = await generate([{ name: 'commonName', value: 'mx.example.test' }], { keySize: 2048, notAfterDate: notAfter });
  assert.equal(certificateNotAfter(pems.cert), notAfter.getTime() / 1000);
  assert.equal(certificateNotAfter(`${pems.cert}\n${pems.cert}`), notAfter.getTime() / 1000); // chain: the leaf counts
  assert.equal(certificateNotAfter('not a certificate'), undefined);
  assert.equal(certificateNotAfter('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'), undefined);

  const unregister = registerCertificateExpiry(() => ({ cert: pems.cert, selfSigned: true }));
  const ops = await startOpsServer({ host: '127.0.0.1', port: 0, telemetry, checks: {} });
  try {
    const text = await (await fetch(`http://127.0.0.1:${ops.port}/metrics`)).text();
    assert.match(text, new RegExp(`^mail_tls_certificate_not_after_seconds\\{[^}]*self_signed="true"[^}]*\\} ${notAfter.getTime() / 1000}$`, 'm'));
  } finally {
    unregister();
    await ops.close();
  }
});
