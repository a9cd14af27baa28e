import 'reflect-metadata';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Global, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import nodemailer from 'nodemailer';
import { Bus, InProcessBus } from '@mail/bus';
import { BlobStore, FsBlobStore } from '@mail/blob';
import { loadOrCreateTls } from '@mail/config';
import { ConnectorSnapshot, EnqueueMessage, ResolveRecipient } from '@mail/contracts';
import { SmtpInModule } from './smtp-in.module.js';
import { SmtpInService } from './smtp-in.service.js';

/** A blob store whose disk fails half way through a message. */
class BrokenBlobStore extends FsBlobStore {
  override async put(_key: string, body: Readable | Buffer): Promise<{ size: number }> {
    if (!Buffer.isBuffer(body)) {
      for await (const _chunk of body) break;
    }
    throw new Error('disk on fire');
  }
}

describe('SmtpInModule in a Nest application', () => {
  let app: INestApplicationContext;
  let bus: InProcessBus;
  let dir: string;
  let enqueued = 0;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'smtp-in-nest-'));
    const tls = await loadOrCreateTls({ dataDir: dir, hostname: 'mx.test' });
    bus = new InProcessBus();
    await bus.handle(ConnectorSnapshot, async () => ({ connectors: [], version: 'empty' }));
    await bus.handle(ResolveRecipient, async () => ({ kind: 'local' as const, deliverTo: [{ accountId: randomUUID(), address: 'a@example.com' }], forwardTo: [] }));
    await bus.handle(EnqueueMessage, async () => {
      enqueued++;
      return { queueId: randomUUID() };
    });
    @Global()
    @Module({
      providers: [
        { provide: Bus, useValue: bus },
        { provide: BlobStore, useValue: new BrokenBlobStore(join(dir, 'blobs')) },
      ],
      exports: [Bus, BlobStore],
    })
    class Infra {}
    @Module({
      imports: [
        Infra,
        SmtpInModule.forRoot({
          host: '127.0.0.1',
          mxPort: 0,
          submissionPort: 0,
          hostname: 'mx.test',
          tls,
          allowPlaintextAuth: false,
          maxMessageSize: 1024 * 1024,
          maxRecipients: 10,
          maxConnections: 10,
          closeTimeoutMs: 100,
          inboundAuth: { enabled: false },
        }),
      ],
    })
    class Root {}
    app = await NestFactory.createApplicationContext(Root, { logger: false });
    await app.init();
  });

  after(async () => {
    await app?.close();
    await bus?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('exposes the bound ports and answers 451 when the blob store fails', async () => {
    const ports = app.get(SmtpInService).ports();
    assert.ok(ports.mx > 0 && ports.submission > 0 && ports.submissions === undefined);
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: ports.mx, secure: false, ignoreTLS: true });
    const body = `Subject: x\r\n\r\n${'line of text\r\n'.repeat(20_000)}`;
    await assert.rejects(t.sendMail({ envelope: { from: 'x@remote.test', to: ['a@example.com'] }, raw: body }), (err: Error & { response?: string }) =>
      err.response === '451 4.3.0 temporary failure, try again later',
    );
    assert.equal(enqueued, 0);
  });
});
