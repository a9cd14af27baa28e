import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { z } from 'zod';
import { ContractError, defineEvent, defineRequest } from '@mail/contracts';
import { Bus } from './bus.port.js';
import { InProcessBus } from './in-process-bus.js';
import { NatsBus } from './nats-bus.js';

const Echo = defineRequest('test.echo.v1', z.object({ text: z.string().max(10), n: z.number().default(1) }), z.object({ text: z.string() }));
const Fails = defineRequest('test.fails.v1', z.object({}), z.object({}));
const Happened = defineEvent('test.happened.v1', z.object({ id: z.string() }));

/** The same contract suite runs against both transports (the James way: one suite, every backend). */
function busContract(name: string, make: (service: string) => Promise<Bus>) {
  describe(`bus contract: ${name}`, () => {
    const buses: Bus[] = [];
    const open = async (service = 'svc') => {
      const b = await make(service);
      buses.push(b);
      return b;
    };
    after(async () => {
      for (const b of buses) await b.close();
    });

    it('answers a request with the handler result, defaults applied', async () => {
      const bus = await open();
      let seen: unknown;
      await bus.handle(Echo, async (p) => {
        seen = p;
        return { text: p.text.toUpperCase() };
      });
      assert.deepEqual(await bus.request(Echo, { text: 'hi' }), { text: 'HI' });
      assert.deepEqual(seen, { text: 'hi', n: 1 });
    });

    it('rejects a payload that breaks the contract with INVALID before the handler runs', async () => {
      const bus = await open();
      let called = false;
      await bus.handle(Echo, async (p) => ((called = true), { text: p.text }));
      await bus.ping();
      await assert.rejects(bus.request(Echo, { text: 'far too long for it' }), (e: ContractError) => e.code === 'INVALID');
      assert.equal(called, false);
    });

    it('carries typed errors, hides internal ones', async () => {
      const bus = await open();
      let calls = 0;
      await bus.handle(Fails, async () => {
        calls++;
        if (calls === 1) throw new ContractError('NOT_FOUND', 'no such thing');
        throw new Error('secret internal detail');
      });
      await assert.rejects(bus.request(Fails, {}), (e: ContractError) => e.code === 'NOT_FOUND' && e.message === 'no such thing');
      await assert.rejects(bus.request(Fails, {}), (e: ContractError) => e.code === 'INTERNAL' && !e.message.includes('secret'));
    });

    it('answers UNAVAILABLE when nobody handles a subject', async () => {
      const bus = await open();
      const Nobody = defineRequest(`test.nobody.${Date.now()}.v1`, z.object({}), z.object({}));
      await assert.rejects(bus.request(Nobody, {}, { timeoutMs: 2000 }), (e: ContractError) => e.transient);
    });

    it('answers many requests made in one turn, each with its own result', async () => {
      const bus = await open();
      // a subject of its own: the buses of the tests before still answer Echo
      const Shout = defineRequest(`test.shout.${Date.now()}.v1`, z.object({ text: z.string() }), z.object({ text: z.string() }));
      await bus.handle(Shout, async (p) => ({ text: `${p.text}!` }));
      await bus.ping();
      const texts = Array.from({ length: 200 }, (_, i) => `m${i}`);
      assert.deepEqual(
        (await Promise.all(texts.map((text) => bus.request(Shout, { text })))).map((r) => r.text),
        texts.map((t) => `${t}!`),
      );
    });

    it('delivers the events of one publisher in the order they were published', async () => {
      const bus = await open();
      const got: string[] = [];
      const done = new Promise<void>((resolve) => {
        void bus.subscribe(Happened, (e) => {
          got.push(e.id);
          if (got.length === 50) resolve();
        }, 'ordered');
      });
      await bus.ping();
      for (let i = 0; i < 50; i++) void bus.publish(Happened, { id: String(i) }, 'ordered');
      await done;
      assert.deepEqual(got, Array.from({ length: 50 }, (_, i) => String(i)));
    });

    it('delivers events to every subscriber, with wildcard suffixes', async () => {
      const bus = await open();
      const got: string[] = [];
      const done = new Promise<void>((resolve) => {
        void bus.subscribe(Happened, (e) => {
          got.push(`exact:${e.id}`);
          if (got.length === 2) resolve();
        }, 'acct1');
        void bus.subscribe(Happened, (e) => {
          got.push(`any:${e.id}`);
          if (got.length === 2) resolve();
        }, '*');
      });
      await bus.ping();
      await bus.publish(Happened, { id: 'x' }, 'acct1');
      await done;
      assert.deepEqual(got.sort(), ['any:x', 'exact:x']);
    });

    it('gives each event to one member of a queue group, and every event to a plain subscriber', async () => {
      const bus = await open();
      const members = { a: [] as string[], b: [] as string[], plain: [] as string[] };
      let resolveAll!: () => void;
      const done = new Promise<void>((r) => (resolveAll = r));
      const check = () => members.a.length + members.b.length === 20 && members.plain.length === 20 && resolveAll();
      await bus.subscribe(Happened, (e) => void (members.a.push(e.id), check()), undefined, { queue: 'recorders' });
      await bus.subscribe(Happened, (e) => void (members.b.push(e.id), check()), undefined, { queue: 'recorders' });
      await bus.subscribe(Happened, (e) => void (members.plain.push(e.id), check()));
      await bus.ping();
      for (let i = 0; i < 20; i++) await bus.publish(Happened, { id: String(i) });
      await done;
      const shared = [...members.a, ...members.b].sort((x, y) => Number(x) - Number(y));
      assert.deepEqual(shared, Array.from({ length: 20 }, (_, i) => String(i)), 'each event once within the group');
      assert.equal(members.plain.length, 20);
    });
  });
}

busContract('in-process', async (service) => new InProcessBus({ service }));

const natsUrl = process.env.TEST_NATS_URL;
if (natsUrl) {
  const prefix = `bt${Date.now().toString(36)}`;
  busContract('NATS', (service) => NatsBus.connect({ url: natsUrl, service, prefix }));

  describe('NATS queue groups', () => {
    it('shares requests between replicas of one service instead of answering twice', async () => {
      const p = `qg${Date.now().toString(36)}`;
      const [a, b, caller] = await Promise.all([
        NatsBus.connect({ url: natsUrl, service: 'echo', prefix: p }),
        NatsBus.connect({ url: natsUrl, service: 'echo', prefix: p }),
        NatsBus.connect({ url: natsUrl, service: 'caller', prefix: p }),
      ]);
      try {
        const counts = { a: 0, b: 0 };
        await a.handle(Echo, async (x) => (counts.a++, { text: x.text }));
        await b.handle(Echo, async (x) => (counts.b++, { text: x.text }));
        await a.ping();
        await b.ping();
        for (let i = 0; i < 40; i++) await caller.request(Echo, { text: 'x' });
        assert.equal(counts.a + counts.b, 40);
        assert.ok(counts.a > 0 && counts.b > 0, `both replicas served (${counts.a}/${counts.b})`);
      } finally {
        await Promise.all([a.close(), b.close(), caller.close()]);
      }
    });
  });

  describe('NATS requests on the bus own reply inbox (ADR 0075)', () => {
    it('times out a request nobody answers, and fails what waits when the connection closes', async () => {
      const p = `ri${Date.now().toString(36)}`;
      const [silent, caller] = await Promise.all([NatsBus.connect({ url: natsUrl, service: 'silent', prefix: p }), NatsBus.connect({ url: natsUrl, service: 'caller', prefix: p })]);
      try {
        // subscribed, so the server has a responder, which never answers
        await silent.handle(Echo, () => new Promise<never>(() => undefined));
        await silent.ping();
        await assert.rejects(caller.request(Echo, { text: 'late' }, { timeoutMs: 200 }), (e: ContractError) => e.code === 'TIMEOUT');
        const waiting = caller.request(Echo, { text: 'cut' }, { timeoutMs: 60_000 });
        await caller.ping();
        await caller.nc.close();
        await assert.rejects(waiting, (e: ContractError) => e.code === 'UNAVAILABLE');
      } finally {
        await Promise.all([silent.close(), caller.close()]);
      }
    });
  });
}
