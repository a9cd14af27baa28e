import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { startTelemetry } from './telemetry.js';

describe('the OTLP exporter, loaded at the first export (ADR 0070)', () => {
  it('is not loaded by a process without an endpoint, and exports spans over HTTP once one is set', async () => {
    const loaded = () => Object.keys(require.cache).some((k) => k.includes('exporter-trace-otlp-http'));
    const posts: Array<{ url?: string; bytes: number }> = [];
    const server = createServer((req, res) => {
      let bytes = 0;
      req.on('data', (c: Buffer) => (bytes += c.length));
      req.on('end', () => {
        posts.push({ url: req.url, bytes });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      assert.equal(loaded(), false, 'nothing imported it at load');
      const telemetry = startTelemetry({ service: 'otlp-spec', otlpEndpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` });
      trace.getTracer('spec').startSpan('one').end();
      await telemetry.shutdown(); // flushes the batch through the exporter
      assert.equal(posts.length, 1);
      assert.equal(posts[0].url, '/v1/traces');
      assert.ok(posts[0].bytes > 0);
    } finally {
      server.close();
    }
  });
});
