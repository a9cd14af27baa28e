import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Global, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { BlobStore, FsBlobStore, newBlobKey } from '@mail/blob';
import { Bus, InProcessBus } from '@mail/bus';
import { Database, scratchPglite, scratchPostgres, type ScratchDatabase } from '@mail/db';
import { StoreModule } from './store.module.js';
import type { StoreConfig } from './store.config.js';

/** a database for one suite, dropped afterwards (@mail/db's scratch databases) */
export type OpenedDatabase = ScratchDatabase;

export const inMemoryPglite = (): Promise<OpenedDatabase> => scratchPglite();

/** A fresh database on the server TEST_DATABASE_URL points to, dropped afterwards. */
export const freshPostgres = (adminUrl: string): Promise<OpenedDatabase> => scratchPostgres(adminUrl, 'store_test');

export interface StoreHarness {
  app: INestApplicationContext;
  bus: InProcessBus;
  db: Database;
  blobs: BlobStore;
  /** writes a raw message to the blob store and returns its key */
  put(raw: string | Buffer): Promise<string>;
  close(): Promise<void>;
}

/** The store module over an in-process bus, a blob directory and the given database. */
export async function startStore(opened: OpenedDatabase, config: StoreConfig = {}): Promise<StoreHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'store-test-'));
  const blobs = new FsBlobStore(dir);
  const bus = new InProcessBus({ service: 'store' });
  const db = opened.db;
  @Global()
  @Module({
    providers: [
      { provide: Bus, useValue: bus },
      { provide: Database, useValue: db },
      { provide: BlobStore, useValue: blobs },
    ],
    exports: [Bus, Database, BlobStore],
  })
  class TestInfra {}
  @Module({ imports: [TestInfra, StoreModule.forRoot({ blobGraceSeconds: 0, gcIntervalMs: 0, threadBackfillIntervalMs: 0, ...config })] })
  class Root {}
  const app = await NestFactory.createApplicationContext(Root, { logger: false });
  await app.init();
  return {
    app,
    bus,
    db,
    blobs,
    put: async (raw) => {
      const key = newBlobKey();
      await blobs.put(key, Buffer.isBuffer(raw) ? raw : Buffer.from(raw));
      return key;
    },
    close: async () => {
      await app.close();
      await bus.close();
      await opened.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A small RFC 5322 message. */
export function rawMessage(o: { subject?: string; from?: string; to?: string; date?: string; body?: string; extraHeaders?: string[] } = {}): string {
  const lines = [
    `From: ${o.from ?? 'Alice Example <alice@example.org>'}`,
    `To: ${o.to ?? 'bob@example.com'}`,
    `Subject: ${o.subject ?? 'hello'}`,
    `Date: ${o.date ?? 'Mon, 02 Jan 2023 10:00:00 +0000'}`,
    `Message-ID: <${randomBytes(6).toString('hex')}@example.org>`,
    ...(o.extraHeaders ?? []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    o.body ?? 'Just a plain body.',
    '',
  ];
  return lines.join('\r\n');
}

/** `db` with every statement's SQL pushed onto `into` as it is sent (statement counts in specs). */
export function countingStatements(db: Database, into: string[]): Database {
  return new Proxy(db, {
    get: (target, prop) =>
      prop === 'query' ? (sql: string, ...rest: unknown[]) => (into.push(sql), (db.query as (...a: unknown[]) => unknown).call(db, sql, ...rest)) : Reflect.get(target, prop, target),
  });
}
