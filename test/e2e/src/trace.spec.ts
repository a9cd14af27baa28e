import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import nodemailer from 'nodemailer';
import { mailctl, startEmbeddedForTest, type PlatformUnderTest } from '@mail/testing';
import { startTelemetry } from '@mail/telemetry';
import { imapClient, waitForMessages } from './scenario.js';
import { sampleMessage } from './messages.js';

// Telemetry first, with an in-memory exporter, so every span of the platform lands here.
const exporter = new InMemorySpanExporter();
const telemetry = startTelemetry({ service: 'trace-test', spanExporter: exporter });

let p: PlatformUnderTest;
before(async () => {
  p = await startEmbeddedForTest({ telemetry });
  assert.equal((await mailctl(p, ['domain', 'add', 'trace.test'])).code, 0);
  assert.equal((await mailctl(p, ['user', 'add', 'tina@trace.test', '--password', 'correct horse battery'])).code, 0);
});
after(async () => {
  await p?.close();
  await telemetry.shutdown();
});

it('one message shares one trace ID across smtp-in, delivery and store', async () => {
  exporter.reset();
  const msg = sampleMessage({ from: 'x@remote.test', to: 'tina@trace.test', subject: 'traced' });
  const t = nodemailer.createTransport({ host: p.host, port: p.ports.smtp, tls: { rejectUnauthorized: false } });
  await t.sendMail({ envelope: { from: 'x@remote.test', to: ['tina@trace.test'] }, raw: msg.raw });
  const client = imapClient(p, 'tina@trace.test');
  await client.connect();
  try {
    await waitForMessages(client, 1);
  } finally {
    await client.logout();
  }
  const spans = exporter.getFinishedSpans();
  const enqueue = spans.find((s) => s.name === 'handle delivery.enqueue.v1');
  const append = spans.find((s) => s.name === 'handle store.message.append-batch.v1');
  assert.ok(enqueue, `no enqueue span among ${spans.map((s) => s.name).join(', ')}`);
  assert.ok(append, 'no append span');
  assert.equal(append.spanContext().traceId, enqueue.spanContext().traceId, 'delivery continues the trace smtp-in started');
  // the enqueue request was made inside smtp-in's span for this message
  const parent = spans.find((s) => s.spanContext().traceId === enqueue.spanContext().traceId && s.name.startsWith('request delivery.enqueue'));
  assert.ok(parent, 'smtp-in made the enqueue request within the same trace');
});
