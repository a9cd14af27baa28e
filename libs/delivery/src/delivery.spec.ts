import 'reflect-metadata';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Global, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SMTPServer } from 'smtp-server';
import { Bus, InProcessBus } from '@mail/bus';
import { BlobStore, FsBlobStore, InlineBlobStore, newBlobKey, readAll } from '@mail/blob';
import { AppendMessage, AppendMessages, ConnectorSnapshot, ContractError, DeliveryPing, EnqueueMessage, GetDkimSigningKeys, ListQueue, MessageTracked, ResolveRecipient, type RequestOf, type TrackedStep } from '@mail/contracts';
import { Database, runMigrations, scratchPglite, scratchPostgres } from '@mail/db';
import { createLogger } from '@mail/telemetry';
import type { DeliveryConfig } from './delivery.config.js';
import { DeliveryModule } from './delivery.module.js';
import { queueMigrations } from './migrations/queue-migrations.js';
import { QueueRetention } from './queue-retention.js';
import { QueueRepository } from './queue.repository.js';
import { QueueService } from './queue.service.js';
import { WorkerPool } from './worker-pool.js';

const ALICE = { accountId: randomUUID(), address: 'alice@example.com' };
const BOB = { accountId: randomUUID(), address: 'bob@example.com' };

type Append = RequestOf<typeof AppendMessage>;

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A remote MX on loopback: 451 once for temp*, 550 for perm*, accepts the rest. */
async function fakeMx() {
  const received: Array<{ from: string; to: string[]; body: Buffer }> = [];
  const tempSeen = new Set<string>();
  const server = new SMTPServer({
    disabledCommands: ['AUTH', 'STARTTLS'],
    authOptional: true,
    logger: false,
    closeTimeout: 100,
    onRcptTo(addr, _s, cb) {
      const local = addr.address.split('@')[0];
      if (local.startsWith('temp') && !tempSeen.has(addr.address)) {
        tempSeen.add(addr.address);
        return cb(Object.assign(new Error('4.2.0 try later'), { responseCode: 451 }));
      }
      if (local.startsWith('perm')) return cb(Object.assign(new Error('5.1.1 no such user here'), { responseCode: 550 }));
      cb();
    },
    onData(stream, session, cb) {
      readAll(stream).then((body) => {
        received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), body });
        cb();
      }, cb);
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.server.address() as AddressInfo).port;
  return { received, port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** The directory and the mailbox store, faked on the bus. */
function fakeServices(bus: Bus, blobs: BlobStore) {
  const appends: Append[] = [];
  const stored = new Map<string, { accountId: string; blobKey: string }>();
  let failNextAfterCommit = false;
  let slowMs = 0;
  const mailbox = (accountId: string) => [...stored.values()].filter((s) => s.accountId === accountId);
  const appendOne = async (p: Append, mayLoseReply = true) => {
    appends.push(p);
    assert.ok(await blobs.stat(p.blobKey), 'the blob exists when the store is asked to append it');
    const key = p.idempotencyKey!;
    const duplicate = stored.has(key);
    if (!duplicate) stored.set(key, { accountId: p.accountId, blobKey: p.blobKey });
    if (mayLoseReply && failNextAfterCommit) {
      failNextAfterCommit = false;
      throw new ContractError('UNAVAILABLE', 'reply lost after commit');
    }
    return { mailboxId: randomUUID(), uid: stored.size, uidValidity: 1, modseq: stored.size, duplicate };
  };
  const ready = Promise.all([
    bus.handle(ResolveRecipient, async ({ address }) => {
      const [local, domain] = address.toLowerCase().split('@');
      if (domain !== 'example.com') return { kind: 'remote' as const };
      if (local === 'alice') return { kind: 'local' as const, deliverTo: [ALICE], forwardTo: [] };
      if (local === 'bob') return { kind: 'local' as const, deliverTo: [BOB], forwardTo: [] };
      if (local === 'team') return { kind: 'local' as const, deliverTo: [ALICE, BOB], forwardTo: [] };
      // full mailboxes: the fake store refuses every append that carries a zero message limit
      if (local === 'full') return { kind: 'local' as const, deliverTo: [{ ...BOB, quota: { bytes: null, messages: 0, overQuota: 'reject' as const } }], forwardTo: [] };
      if (local === 'fullsoft') return { kind: 'local' as const, deliverTo: [{ ...ALICE, quota: { bytes: null, messages: 0, overQuota: 'defer' as const } }], forwardTo: [] };
      if (local === 'fwd') return { kind: 'local' as const, deliverTo: [ALICE], forwardTo: ['outside@remote.test'] };
      return { kind: 'unknown' as const };
    }),
    bus.handle(AppendMessage, async (p) => appendOne(p)),
    // no domain of this directory has DKIM keys (dkim/*.spec.ts signs)
    bus.handle(GetDkimSigningKeys, async () => ({ keys: [] })),
    // no outbound connectors: remote mail goes by MX (or RELAY_HOST)
    bus.handle(ConnectorSnapshot, async () => ({ connectors: [], version: 'none' })),
    // what delivery uses: a lost reply loses the answer for the whole batch, after every item committed
    bus.handle(AppendMessages, async (p) => {
      if (slowMs) await new Promise((r) => setTimeout(r, slowMs));
      const results = [];
      for (const item of p.items) {
        if (item.quota?.messages === 0) results.push({ ok: false as const, code: 'OVER_QUOTA' as const, message: 'mailbox full: 0 of 0 messages' });
        else results.push({ ok: true as const, result: await appendOne(item, false) });
      }
      if (failNextAfterCommit) {
        failNextAfterCommit = false;
        throw new ContractError('UNAVAILABLE', 'reply lost after commit');
      }
      return { results };
    }),
  ]);
  return { appends, stored, mailbox, ready, failOnceAfterCommit: () => (failNextAfterCommit = true), slowStore: (ms: number) => (slowMs = ms) };
}

interface Harness {
  bus: InProcessBus;
  blobs: FsBlobStore;
  db: Database;
  services: ReturnType<typeof fakeServices>;
  mx: Awaited<ReturnType<typeof fakeMx>>;
  events: TrackedStep[];
  start(overrides?: Partial<DeliveryConfig>): Promise<INestApplicationContext>;
  put(body: string): Promise<{ key: string; size: number }>;
  enqueue(body: string, mailFrom: string, recipients: string[], index?: string): Promise<{ queueId: string; key: string }>;
  entry(queueId: string): Promise<RequestOf<typeof EnqueueMessage> | any>;
  close(): Promise<void>;
}

type DbOpener = () => Promise<{ db: Database; drop(): Promise<void> }>;

async function harness(openDb: DbOpener): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'delivery-'));
  const { db, drop } = await openDb();
  const bus = new InProcessBus({ service: 'delivery-test' });
  const blobs = new FsBlobStore(dir);
  const services = fakeServices(bus, blobs);
  await services.ready;
  const mx = await fakeMx();
  const events: TrackedStep[] = [];
  await bus.subscribe(MessageTracked, (e) => void events.push(...e.steps));
  const apps: INestApplicationContext[] = [];
  const h: Harness = {
    bus,
    blobs,
    db,
    services,
    mx,
    events,
    async start(overrides = {}) {
      @Global()
      @Module({
        providers: [
          { provide: Bus, useValue: bus },
          { provide: Database, useValue: db },
          { provide: BlobStore, useValue: blobs },
        ],
        exports: [Bus, Database, BlobStore],
      })
      class Infra {}
      @Module({
        imports: [
          Infra,
          DeliveryModule.forRoot({
            workers: 2,
            leaseMs: 2000,
            expiryHours: 24,
            hostname: 'mx.example.com',
            relayHost: `127.0.0.1:${mx.port}`,
            outboundPort: 25,
            pollIntervalMs: 30,
            retrySchedule: [30, 60],
            ...overrides,
          }),
        ],
      })
      class Root {}
      const app = await NestFactory.createApplicationContext(Root, { logger: false });
      await app.init();
      apps.push(app);
      return app;
    },
    async put(body) {
      const key = newBlobKey();
      const { size } = await blobs.put(key, Buffer.from(body));
      return { key, size };
    },
    async enqueue(body, mailFrom, recipients, index) {
      const { key, size } = await h.put(body);
      const { queueId } = await bus.request(EnqueueMessage, {
        blobKey: key,
        size,
        mailFrom,
        recipients,
        receivedAt: new Date().toISOString(),
        messageId: '<m@test>',
        subject: 'hello',
        source: { protocol: 'smtp', remoteAddress: '192.0.2.1' },
        index,
      });
      return { queueId, key };
    },
    async entry(queueId) {
      const { entries } = await bus.request(ListQueue, { limit: 1000 });
      return entries.find((e) => e.queueId === queueId);
    },
    async close() {
      for (const app of apps) await app.close();
      await mx.close();
      await bus.close();
      await drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return h;
}

const message = (subject: string) => `From: Alice <alice@example.com>\r\nTo: x\r\nSubject: ${subject}\r\nMessage-ID: <${randomUUID()}@test>\r\n\r\nbody line\r\n.dot line\r\n`;
const allFinal = (e: any) => e && e.recipients.every((r: any) => ['delivered', 'bounced', 'failed'].includes(r.status));

function suite(name: string, openDb: DbOpener) {
  describe(`delivery (${name})`, () => {
    let h: Harness;
    before(async () => {
      h = await harness(openDb);
      await h.start();
    });
    after(async () => h?.close());

    it('answers the ping', async () => {
      assert.deepEqual(await h.bus.request(DeliveryPing, {}), { ok: true });
    });

    it('takes an enqueue with a caller-chosen queue id once: a repeat (a lost answer retried) queues nothing (ADR 0028)', async () => {
      const queueId = randomUUID();
      const enqueue = async () => {
        const { key, size } = await h.put(message('fetched'));
        return h.bus.request(EnqueueMessage, {
          blobKey: key,
          size,
          mailFrom: '',
          recipients: [ALICE.address],
          receivedAt: new Date().toISOString(),
          source: { protocol: 'fetch', remoteAddress: 'pop.example.net' },
          queueId,
        });
      };
      // a caller that did not ask about its body is told nothing about it (ADR 0067)
      assert.deepEqual(await enqueue(), { queueId });
      assert.deepEqual(await enqueue(), { queueId, duplicate: true });
      const entry = await waitFor('the fetched message to be delivered', async () => {
        const e = await h.entry(queueId);
        return allFinal(e) && e;
      });
      assert.deepEqual(entry.recipients.map((r: any) => r.status), ['delivered']);
      assert.equal(h.services.appends.filter((a) => a.idempotencyKey === `${queueId}:${ALICE.accountId}`).length, 1);
    });

    it('delivers locally once per account with idempotency keys', async () => {
      const { queueId, key } = await h.enqueue(message('local'), 'sender@remote.test', ['team@example.com']);
      const entry = await waitFor('local delivery', async () => {
        const e = await h.entry(queueId);
        return allFinal(e) && e;
      });
      assert.equal(entry.recipients[0].status, 'delivered');
      const mine = h.services.appends.filter((a) => a.blobKey === key);
      assert.deepEqual(mine.map((a) => a.accountId).sort(), [ALICE.accountId, BOB.accountId].sort());
      for (const a of mine) assert.match(a.idempotencyKey!, new RegExp(`^${queueId}:${a.accountId}$`));
      assert.ok(h.events.some((e) => e.event === 'queued' && e.queueId === queueId));
      await waitFor('delivered event', () => h.events.some((e) => e.event === 'delivered' && e.queueId === queueId));
    });

    it('appends once per account when several recipients of a message reach it (a user and a group they are in)', async () => {
      const { queueId, key } = await h.enqueue(message('member twice'), 'sender@remote.test', ['alice@example.com', 'team@example.com']);
      const entry = await waitFor('local delivery', async () => {
        const e = await h.entry(queueId);
        return allFinal(e) && e;
      });
      assert.deepEqual(entry.recipients.map((r: { status: string }) => r.status), ['delivered', 'delivered']);
      const mine = h.services.appends.filter((a) => a.blobKey === key);
      assert.deepEqual(mine.map((a) => a.accountId).sort(), [ALICE.accountId, BOB.accountId].sort());
    });

    it('hands the index smtp-in carried to the store once per blob, without writing it to the queue row', async () => {
      const index = JSON.stringify({ stands: 'for a MessageIndex', the: 'store validates it' });
      const { queueId, key } = await h.enqueue(message('carried'), 'sender@remote.test', ['team@example.com'], index);
      await waitFor('local delivery', async () => allFinal(await h.entry(queueId)));
      const mine = h.services.appends.filter((a) => a.blobKey === key);
      assert.equal(mine.length, 2);
      assert.deepEqual(mine.map((a) => a.index).sort(), [index, undefined].sort());
      // handed off to this replica's workers, which had it in hand
      const { rows } = await h.db.query<{ message_index: string | null }>('SELECT message_index FROM queue.messages WHERE id = $1', [queueId]);
      assert.equal(rows[0].message_index, null);
    });

    it('removes finished messages after the retention period, never one a recipient still waits on', async () => {
      const repo = new QueueRepository(h.db);
      const hoursAgo = (n: number) => new Date(Date.now() - n * 3_600_000);
      const add = async (receivedAt: Date, statuses: string[]) => {
        const id = randomUUID();
        const addresses = statuses.map((_, i) => `r${i}@retention.test`);
        await repo.insert([{ message: { id, blobKey: `msg/retention/${id}`, size: 1, mailFrom: '', messageId: null, subject: null, receivedAt, source: { protocol: 'smtp' }, traceparent: null, index: '{}' }, recipients: addresses.map((address) => ({ id: randomUUID(), address })), leasedBy: 'retention-test' }], 600_000);
        // inserted leased to nobody's worker, then set to the status under test and due tomorrow: the
        // harness's live workers must neither claim a row before its status is set (a claimed one was
        // then marked delivered over its 'deferred', and the sweep took the message) nor finish it after
        for (const [i, status] of statuses.entries())
          await h.db.query("UPDATE queue.recipients SET status = $1, next_attempt_at = now() + interval '1 day' WHERE message_id = $2 AND address = $3", [status, id, addresses[i]]);
        return id;
      };
      const oldDone = await add(hoursAgo(200), ['delivered', 'bounced']);
      const oldWaiting = await add(hoursAgo(200), ['delivered', 'deferred']);
      const recentDone = await add(hoursAgo(1), ['failed']);
      const retention = new QueueRetention(repo, 168, createLogger('test'));
      assert.ok((await retention.sweep()) >= 1);
      const left = async (id: string) => (await h.db.query('SELECT 1 FROM queue.messages WHERE id = $1', [id])).rows.length === 1;
      assert.deepEqual([await left(oldDone), await left(oldWaiting), await left(recentDone)], [false, true, true]);
      const { rows } = await h.db.query('SELECT 1 FROM queue.recipients WHERE message_id = $1', [oldDone]);
      assert.equal(rows.length, 0, 'its recipients went with it');
    });

    it('reports how many recipients wait and how old the oldest is (the queue gauges)', async () => {
      // in one REPEATABLE READ transaction, rolled back: both readings share one snapshot plus the
      // test's own rows, so neither the harness's live workers (which claimed the uncommitted-to-them
      // recipient once and delivered it) nor other tests' rows finishing in between can move the count
      const rollback = new Error('roll back the gauge test');
      await assert.rejects(
        h.db.transaction(async (tx) => {
          await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
          const repo = new QueueRepository({ query: tx.query.bind(tx) } as unknown as Database);
          const before = await repo.waitingStats();
          const id = randomUUID();
          const receivedAt = new Date(Date.now() - 50 * 3_600_000);
          await repo.insert([{ message: { id, blobKey: `msg/stats/${id}`, size: 1, mailFrom: '', messageId: null, subject: null, receivedAt, source: { protocol: 'smtp' }, traceparent: null, index: '{}' }, recipients: [{ id: randomUUID(), address: 'a@stats.test' }, { id: randomUUID(), address: 'b@stats.test' }], leasedBy: null }], 1000);
          await tx.query(`UPDATE queue.recipients SET status = 'deferred' WHERE message_id = $1 AND address = 'a@stats.test'`, [id]);
          await tx.query(`UPDATE queue.recipients SET status = 'delivered' WHERE message_id = $1 AND address = 'b@stats.test'`, [id]);
          const after = await repo.waitingStats();
          assert.equal(after.depth, before.depth + 1, 'the deferred recipient waits, the delivered one does not');
          assert.ok(after.oldestAgeSeconds >= 50 * 3600 - 60, `oldest age ${after.oldestAgeSeconds}`);
          throw rollback;
        }),
        (err) => err === rollback,
      );
    });

    it('retries a store whose reply was lost with the same idempotency key', async () => {
      h.services.failOnceAfterCommit();
      const { queueId, key } = await h.enqueue(message('lost reply'), 'sender@remote.test', ['alice@example.com']);
      await waitFor('retry', async () => allFinal(await h.entry(queueId)));
      const mine = h.services.appends.filter((a) => a.blobKey === key);
      assert.equal(mine.length, 2);
      assert.equal(mine[0].idempotencyKey, mine[1].idempotencyKey);
      assert.equal([...h.services.stored.values()].filter((s) => s.blobKey === key).length, 1);
      assert.equal((await h.entry(queueId)).recipients[0].attempts, 2);
    });

    it('relays remote mail to the MX byte-exact, forwarding included', async () => {
      const body = message('remote') + 'é 8-bit line\r\n';
      const { queueId } = await h.enqueue(body, 'alice@example.com', ['friend@remote.test', 'fwd@example.com']);
      await waitFor('relay', async () => {
        const e = await h.entry(queueId);
        return e?.recipients.length === 3 && allFinal(e);
      });
      const got = h.mx.received.filter((r) => r.body.toString().includes('Subject: remote'));
      assert.equal(got.length, 2, 'one transfer for the recipient, one for the forward');
      for (const g of got) {
        assert.equal(g.from, 'alice@example.com');
        assert.ok(g.body.equals(Buffer.from(body)));
      }
      assert.deepEqual(got.flatMap((g) => g.to).sort(), ['friend@remote.test', 'outside@remote.test']);
      // tracking events leave in a batch after the queue row is final: wait for it, don't race it
      await waitFor('relayed event', () => h.events.some((e) => e.event === 'relayed' && e.queueId === queueId));
    });

    it('defers on 4xx and delivers on retry', async () => {
      const { queueId } = await h.enqueue(message('temp'), 'alice@example.com', ['temp1@remote.test']);
      const e = await waitFor('retry delivery', async () => {
        const x = await h.entry(queueId);
        return allFinal(x) && x;
      });
      assert.equal(e.recipients[0].status, 'delivered');
      assert.equal(e.recipients[0].attempts, 2);
      await waitFor('deferred event', () => h.events.some((x) => x.event === 'deferred' && x.queueId === queueId));
    });

    it('hands the account limits to the store; a full mailbox bounces with 5.2.2 or waits with 4.2.2, as its domain says', async () => {
      const { queueId } = await h.enqueue(message('full'), 'sender@remote.test', ['full@example.com', 'fullsoft@example.com']);
      const e = await waitFor('over quota outcomes', async () => {
        const x = await h.entry(queueId);
        return x && x.recipients.every((r: { status: string }) => r.status !== 'queued') && x;
      });
      const by = new Map(e.recipients.map((r: { address: string }) => [r.address, r]));
      const hard = by.get('full@example.com') as { status: string; lastError: string };
      const soft = by.get('fullsoft@example.com') as { status: string; lastError: string };
      assert.deepEqual([hard.status, soft.status], ['bounced', 'deferred']);
      assert.match(hard.lastError, /^5\.2\.2 <bob@example\.com>: mailbox full/);
      assert.match(soft.lastError, /^4\.2\.2 <alice@example\.com>: mailbox full/);
    });

    it('bounces on 5xx with a DSN to the sender, and never bounces a bounce', async () => {
      const { queueId } = await h.enqueue(message('doomed'), 'alice@example.com', ['perm1@remote.test']);
      const e = await waitFor('bounce', async () => {
        const x = await h.entry(queueId);
        return allFinal(x) && x;
      });
      assert.equal(e.recipients[0].status, 'bounced');
      assert.match(e.recipients[0].lastError, /550 5\.1\.1/);
      const dsnAppend = await waitFor('DSN in the sender mailbox', async () => {
        for (const a of h.services.appends.filter((x) => x.accountId === ALICE.accountId)) {
          const text = (await readAll(await h.blobs.get(a.blobKey))).toString();
          if (text.includes(`X-Queue-ID: ${queueId}`)) return text;
        }
        return undefined;
      });
      assert.match(dsnAppend, /Content-Type: multipart\/report; report-type=delivery-status/);
      assert.match(dsnAppend, /Final-Recipient: rfc822; perm1@remote\.test\r\nAction: failed\r\nStatus: 5\.1\.1/);
      assert.match(dsnAppend, /Content-Type: text\/rfc822-headers\r\n\r\nFrom: Alice <alice@example\.com>\r\nTo: x\r\nSubject: doomed/);
      const { entries } = await h.bus.request(ListQueue, { limit: 1000 });
      assert.ok(entries.some((x) => x.mailFrom === '' && x.recipients[0].address === 'alice@example.com'));

      const before = (await h.bus.request(ListQueue, { limit: 1000 })).entries.length;
      const bounceOfBounce = await h.enqueue(message('null sender'), '', ['perm2@remote.test']);
      const f = await waitFor('failed', async () => {
        const x = await h.entry(bounceOfBounce.queueId);
        return allFinal(x) && x;
      });
      assert.equal(f.recipients[0].status, 'failed');
      assert.equal((await h.bus.request(ListQueue, { limit: 1000 })).entries.length, before + 1, 'no DSN for a null sender');
    });

    it('bounces unknown local recipients', async () => {
      const { queueId } = await h.enqueue(message('unknown'), 'sender@remote.test', ['ghost@example.com']);
      const e = await waitFor('bounce', async () => {
        const x = await h.entry(queueId);
        return allFinal(x) && x;
      });
      assert.equal(e.recipients[0].status, 'bounced');
      await waitFor('DSN to the remote sender', () => h.mx.received.find((r) => r.to.includes('sender@remote.test') && r.from === ''));
    });

    /** The DSN appended to alice's mailbox whose text matches `re` (reports come back through the queue). */
    const reportFor = (re: RegExp) =>
      waitFor(`a report matching ${re}`, async () => {
        for (const a of h.services.appends.filter((x) => x.accountId === ALICE.accountId)) {
          const text = (await readAll(await h.blobs.get(a.blobKey))).toString('utf8');
          if (re.test(text)) return text;
        }
        return undefined;
      });

    it('refuses to send a message that has looped (more than 25 Received) and reports it', async () => {
      const received = Array.from({ length: 26 }, (_, i) => `Received: from hop${i}.test by hop${i + 1}.test; Mon, 7 Dec 2026 02:00:00 +0000\r\n`).join('');
      const { queueId } = await h.enqueue(received + message('looping'), 'alice@example.com', ['looped@remote.test']);
      const entry = await waitFor('the loop bounce', async () => {
        const e = await h.entry(queueId);
        return allFinal(e) && e;
      });
      assert.equal(entry.recipients[0].status, 'bounced');
      assert.match(entry.recipients[0].lastError, /^5\.4\.6 mail loop/);
      assert.ok(!h.mx.received.some((m) => m.to.includes('looped@remote.test')));
      const dsn = await reportFor(/Final-Recipient: rfc822; looped@remote\.test/);
      assert.match(dsn, /\r\nAction: failed\r\nStatus: 5\.4\.6\r\n/);
    });

    it('tells the sender once when a recipient has waited past the delay-notice time, and keeps trying', async () => {
      const { key, size } = await h.put(message('slow'));
      const { queueId } = await h.bus.request(EnqueueMessage, {
        blobKey: key,
        size,
        mailFrom: 'alice@example.com',
        recipients: ['tempslow@remote.test'],
        // accepted five hours ago: past the default four-hour notice, within the 24 h expiry
        receivedAt: new Date(Date.now() - 5 * 3_600_000).toISOString(),
        source: { protocol: 'submission', authenticatedAs: 'alice@example.com' },
      });
      const dsn = await reportFor(/Final-Recipient: rfc822; tempslow@remote\.test/);
      assert.match(dsn, /^Subject: Delayed Mail/m);
      assert.match(dsn, /\r\nAction: delayed\r\nStatus: 4\.2\.0\r\n/);
      assert.match(dsn, /\r\nWill-Retry-Until: /);
      const entry = await waitFor('the retry to deliver', async () => {
        const e = await h.entry(queueId);
        return e?.recipients[0].status === 'delivered' && e;
      });
      assert.equal(entry.recipients[0].status, 'delivered');
      const notices = [];
      for (const a of h.services.appends.filter((x) => x.accountId === ALICE.accountId)) {
        if (/Final-Recipient: rfc822; tempslow@/.test((await readAll(await h.blobs.get(a.blobKey))).toString('utf8'))) notices.push(a);
      }
      assert.equal(notices.length, 1, 'one notice, not one per attempt');
    });
  });

  describe(`delivery crash recovery and competition (${name})`, () => {
    it('retries a dead worker’s recipients after its lease expires, without duplicating', async () => {
      const h = await harness(openDb);
      try {
        await runMigrations(h.db, 'queue', queueMigrations);
        // the composer's order: handlers are up, but this replica's workers are not started yet
        const repo = new QueueRepository(h.db);
        const { key, size } = await h.put(message('crash'));
        const queueId = randomUUID();
        await repo.insert([
          {
            message: { id: queueId, blobKey: key, size, mailFrom: 'x@remote.test', messageId: null, subject: null, receivedAt: new Date(), source: { protocol: 'smtp' }, traceparent: null, index: null },
            recipients: [{ id: randomUUID(), address: 'alice@example.com' }],
            leasedBy: null,
          },
        ], 1000);
        const [claimed] = await repo.claim('dead-worker', 10, 300);
        assert.equal(claimed.messageId, queueId);
        // the dead worker got as far as the store, then crashed
        await h.bus.request(AppendMessage, { accountId: ALICE.accountId, blobKey: key, size, idempotencyKey: `${queueId}:${ALICE.accountId}` });
        await h.start();
        await waitFor('takeover', async () => allFinal(await h.entry(queueId)));
        const mine = h.services.appends.filter((a) => a.blobKey === key);
        assert.equal(mine.length, 2);
        assert.equal(mine[0].idempotencyKey, mine[1].idempotencyKey);
        assert.equal(h.services.mailbox(ALICE.accountId).filter((s) => s.blobKey === key).length, 1);
      } finally {
        await h.close();
      }
    });

    it('a replica that dies with work handed off: its lease expires and another worker delivers it', async () => {
      const h = await harness(openDb);
      try {
        await runMigrations(h.db, 'queue', queueMigrations);
        const repo = new QueueRepository(h.db);
        const { key, size } = await h.put(message('handed to the dead'));
        const queueId = randomUUID();
        const index = JSON.stringify({ carried: 'only in the dead replica' });
        const msg = { id: queueId, blobKey: key, size, mailFrom: 'x@remote.test', messageId: null, subject: null, receivedAt: new Date(), source: { protocol: 'smtp' as const }, traceparent: null, index };
        await repo.insert([{ message: msg, recipients: [{ id: randomUUID(), address: 'alice@example.com' }], leasedBy: 'dead-replica:handoff' }], 400);
        const { rows } = await h.db.query<{ leased_by: string; attempts: number; message_index: string | null }>(
          'SELECT r.leased_by, r.attempts, m.message_index FROM queue.recipients r JOIN queue.messages m ON m.id = r.message_id WHERE m.id = $1',
          [queueId],
        );
        assert.deepEqual({ ...rows[0], attempts: Number(rows[0].attempts) }, { leased_by: 'dead-replica:handoff', attempts: 1, message_index: null }, 'leased as a claim would leave it; the index stays in memory');
        assert.deepEqual(await repo.claim('other', 10, 1000), [], 'nobody claims it while the lease runs');
        await h.start();
        await waitFor('takeover', async () => allFinal(await h.entry(queueId)));
        const [append] = h.services.appends.filter((a) => a.blobKey === key);
        assert.equal(append.index, undefined, 'the store parses the blob: the carried index died with the replica');
        const entry = await h.entry(queueId);
        assert.equal(entry.recipients[0].attempts, 2);
      } finally {
        await h.close();
      }
    });

    it('delivers a hand-off without asking the database for work, and still claims what the database holds (ADR 0059)', async () => {
      const h = await harness(openDb);
      const claim = QueueRepository.prototype.claim;
      let claims = 0;
      QueueRepository.prototype.claim = function (...args) {
        claims++;
        return claim.apply(this, args);
      };
      try {
        // polls far apart: every claim after the start is one that a notify or a full batch asked for
        const app = await h.start({ pollIntervalMs: 60_000 });
        await waitFor('the start-up claims', () => claims >= 2);
        const before = claims;
        const sent = await Promise.all([1, 2, 3].map((i) => h.enqueue(message(`handed ${i}`), 'sender@remote.test', ['alice@example.com'])));
        for (const { queueId } of sent) await waitFor('local delivery', async () => allFinal(await h.entry(queueId)));
        assert.equal(claims, before, 'hand-offs came from memory');
        // a row the workers did not insert (another replica's, not handed off) is claimed when a notify says so
        await runMigrations(h.db, 'queue', queueMigrations);
        const { key, size } = await h.put(message('from elsewhere'));
        const queueId = randomUUID();
        const msg = { id: queueId, blobKey: key, size, mailFrom: 'x@remote.test', messageId: null, subject: null, receivedAt: new Date(), source: { protocol: 'smtp' as const }, traceparent: null, index: null };
        await new QueueRepository(h.db).insert([{ message: msg, recipients: [{ id: randomUUID(), address: 'alice@example.com' }], leasedBy: null }], 1000);
        await new Promise((r) => setTimeout(r, 200));
        assert.equal(claims, before, 'nobody said so yet');
        app.get(QueueService, { strict: false }).wake();
        await waitFor('the claimed row delivered', async () => allFinal(await h.entry(queueId)));
        assert.ok(claims > before);
      } finally {
        QueueRepository.prototype.claim = claim;
        await h.close();
      }
    });

    it('without the hand-off, the carried index goes through the queue row', async () => {
      const h = await harness(openDb);
      try {
        await h.start({ handoffRecipients: 0 });
        const index = JSON.stringify({ stands: 'for a MessageIndex' });
        const { queueId, key } = await h.enqueue(message('through the row'), 'sender@remote.test', ['alice@example.com'], index);
        await waitFor('local delivery', async () => allFinal(await h.entry(queueId)));
        assert.deepEqual(h.services.appends.filter((a) => a.blobKey === key).map((a) => a.index), [index]);
        const { rows } = await h.db.query<{ message_index: string }>('SELECT message_index FROM queue.messages WHERE id = $1', [queueId]);
        assert.equal(rows[0].message_index, index);
      } finally {
        await h.close();
      }
    });

    it('stopping hands back what was handed off but not yet delivered', async () => {
      const h = await harness(openDb);
      try {
        // no worker loops: what is handed off stays held in memory until stop, whatever the machine's load
        const app = await h.start({ workers: 0 });
        const { queueId } = await h.enqueue(message('handed back'), 'sender@remote.test', ['alice@example.com']);
        const held = await h.db.query<{ leased_by: string | null }>('SELECT leased_by FROM queue.recipients WHERE message_id = $1', [queueId]);
        assert.match(held.rows[0].leased_by ?? '', /:handoff$/);
        await app.get(WorkerPool, { strict: false }).stop();
        const { rows } = await h.db.query<{ leased_by: string | null; attempts: number; status: string }>('SELECT leased_by, attempts, status FROM queue.recipients WHERE message_id = $1', [queueId]);
        assert.deepEqual({ ...rows[0], attempts: Number(rows[0].attempts) }, { leased_by: null, attempts: 0, status: 'queued' });
      } finally {
        await h.close();
      }
    });

    for (const handoffRecipients of [1000, 0]) {
      it(`a live worker on a slow delivery keeps its lease for many lease times; the other replica does not take it (${handoffRecipients ? 'handed off' : 'claimed'})`, async () => {
        const h = await harness(openDb);
        try {
          // renewals every 100 ms against a 1.5 s lease: only an event-loop stall of over 1.4 s (not a
          // loaded CI machine's usual few hundred ms) could let the lease lapse; it failed at 300/100 ms
          const leaseMs = 1500;
          const leaseRenewMs = 100;
          await h.start({ leaseMs, leaseRenewMs, handoffRecipients });
          h.services.slowStore(leaseMs * 4);
          const { queueId, key } = await h.enqueue(message('slow'), 'sender@remote.test', ['alice@example.com']);
          // the second replica polls every 30 ms all along the slow append
          await h.start({ leaseMs, leaseRenewMs, handoffRecipients });
          await waitFor('local delivery', async () => allFinal(await h.entry(queueId)));
          assert.equal(h.services.appends.filter((a) => a.blobKey === key).length, 1, 'one attempt: the lease was renewed while the store worked');
          assert.equal((await h.entry(queueId)).recipients[0].attempts, 1);
        } finally {
          h.services.slowStore(0);
          await h.close();
        }
      });
    }

    it('two worker pools never deliver the same recipient twice', async () => {
      const h = await harness(openDb);
      try {
        await h.start({ workers: 3, batchSize: 2 });
        await h.start({ workers: 3, batchSize: 2 });
        const ids: string[] = [];
        for (let i = 0; i < 20; i++) ids.push((await h.enqueue(message(`race ${i}`), 'alice@example.com', ['team@example.com', `r${i}@remote.test`])).queueId);
        await waitFor('all delivered', async () => {
          const { entries } = await h.bus.request(ListQueue, { limit: 1000 });
          return entries.length === 20 && entries.every(allFinal);
        }, 60_000);
        const perKey = new Map<string, number>();
        for (const a of h.services.appends) perKey.set(a.idempotencyKey!, (perKey.get(a.idempotencyKey!) ?? 0) + 1);
        assert.equal(perKey.size, 40);
        assert.ok([...perKey.values()].every((n) => n === 1), 'each local delivery was attempted once');
        const remote = h.mx.received.flatMap((r) => r.to).filter((t) => /^r\d+@/.test(t));
        assert.equal(remote.length, 20);
        assert.equal(new Set(remote).size, 20);
      } finally {
        await h.close();
      }
    });
  });
}

suite('PGlite', () => scratchPglite());

if (process.env.TEST_DATABASE_URL) {
  suite('PostgreSQL', () => scratchPostgres(process.env.TEST_DATABASE_URL!, 'delivery_test'));
  bodyCheckSuite(process.env.TEST_DATABASE_URL);
}

/**
 * ADR 0067: an enqueue whose body row was committed without its flush is told whether the queue
 * entry's own statement saw that row; only then does the entry's flushed commit cover the body.
 * A second database of the server stands in for another server: a row there is not visible to the
 * queue's statement, whatever the two servers' identities say (ADR 0061 answered "same WAL" here).
 */
function bodyCheckSuite(pgUrl: string) {
  describe('delivery: does the queue commit cover the body? (PostgreSQL, ADR 0067)', () => {
    let h: Harness;
    let other: Awaited<ReturnType<typeof scratchPostgres>>;
    let here: InlineBlobStore;
    let elsewhere: InlineBlobStore;
    before(async () => {
      h = await harness(() => scratchPostgres(pgUrl, 'delivery_body'));
      other = await scratchPostgres(pgUrl, 'delivery_body_other');
      // the blob schema on the queue's database, as the service's BlobStore makes it before delivery starts
      here = await InlineBlobStore.open(h.db, h.blobs);
      elsewhere = await InlineBlobStore.open(other.db, h.blobs);
      await h.start();
    });
    after(async () => {
      await h?.close();
      await other?.drop();
    });
    const enqueue = (store: BlobStore, ask: boolean | undefined) => enqueueOn(h.bus, store, ask);
    const enqueueOn = async (bus: InProcessBus, store: BlobStore, ask: boolean | undefined) => {
      const key = newBlobKey();
      const put = await store.put(key, Buffer.from(message('body check')), { flush: 'with-next-commit' });
      return bus.request(EnqueueMessage, {
        blobKey: key,
        size: put.size,
        mailFrom: 'sender@remote.test',
        recipients: [ALICE.address],
        receivedAt: new Date().toISOString(),
        source: { protocol: 'smtp' },
        ...(ask === undefined ? {} : { bodyUnflushed: ask }),
      });
    };

    it('says the body is covered when its row is visible to the queue statement', async () => {
      const answers = await Promise.all(Array.from({ length: 6 }, () => enqueue(here, true)));
      assert.deepEqual(answers.map((a) => a.bodyCovered), Array(6).fill(true));
    });

    it('says it is not when the row is in another database, or when its body is not a row at all', async () => {
      assert.equal((await enqueue(elsewhere, true)).bodyCovered, false);
      // a body in the large store (here the directory), asked about anyway
      assert.equal((await enqueue(h.blobs, true)).bodyCovered, false);
      // both kinds in one group commit: each caller gets its own answer
      const [a, b] = await Promise.all([enqueue(here, true), enqueue(elsewhere, true)]);
      assert.deepEqual([a.bodyCovered, b.bodyCovered], [true, false]);
    });

    it('answers nothing about the body to a caller that did not ask', async () => {
      assert.equal('bodyCovered' in (await enqueue(here, undefined)), false);
    });

    it('says not covered, and fails nothing, where the queue database has no blob schema', async () => {
      const bare = await harness(() => scratchPostgres(pgUrl, 'delivery_body_bare'));
      try {
        await bare.start();
        assert.equal((await enqueueOn(bare.bus, elsewhere, true)).bodyCovered, false);
      } finally {
        await bare.close();
      }
    });
  });
}
