import 'reflect-metadata';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Global, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Bus, InProcessBus } from '@mail/bus';
import {
  ContractError,
  CreateAccount,
  CreateAlias,
  CreateDomain,
  DeleteAccount,
  DeleteAlias,
  DeleteDomain,
  GetAccount,
  ListAccounts,
  ListAliases,
  ListDomains,
  ListQueue,
  PurgeAccount,
  SetPassword,
  type Account,
  type Alias,
  type Domain,
} from '@mail/contracts';
import { AdminApiModule } from './admin-api.module.js';
import { configureAdminApp } from './configure-admin-app.js';
import { ROUTES } from './openapi.js';

const TOKEN = 'test-token-0123456789abcdef';

/** Just enough of the directory, store and queue to see the API map requests and errors faithfully. */
async function registerFakes(bus: Bus) {
  const domains = new Map<string, Domain>();
  const accounts = new Map<string, Account>();
  const aliases = new Map<string, Alias>();
  const calls: string[] = [];
  const now = () => new Date().toISOString();
  await bus.handle(ListDomains, async () => ({ domains: [...domains.values()] }));
  await bus.handle(CreateDomain, async ({ name }) => {
    if (domains.has(name)) throw new ContractError('CONFLICT', `domain ${name} exists already`);
    const d = { id: randomUUID(), name, createdAt: now() };
    domains.set(name, d);
    return d;
  });
  await bus.handle(DeleteDomain, async ({ name }) => {
    if (!domains.has(name)) throw new ContractError('NOT_FOUND', `domain ${name} is not hosted here`);
    if ([...accounts.values()].some((a) => a.domain === name)) throw new ContractError('CONFLICT', `domain ${name} still has accounts`);
    domains.delete(name);
    return { deleted: true as const };
  });
  await bus.handle(CreateAccount, async (p) => {
    const domain = p.address.split('@')[1];
    if (!domains.has(domain)) throw new ContractError('NOT_FOUND', `domain ${domain} is not hosted here`);
    const a: Account = { id: randomUUID(), address: p.address, domain, displayName: p.displayName ?? null, disabled: false, quotaBytes: p.quotaBytes ?? null, quotaMessages: p.quotaMessages ?? null, createdAt: now() };
    accounts.set(p.address, a);
    return a;
  });
  await bus.handle(ListAccounts, async (p) => ({ accounts: [...accounts.values()].filter((a) => !p.domain || a.domain === p.domain) }));
  await bus.handle(GetAccount, async (p) => {
    const a = accounts.get(p.address);
    if (!a) throw new ContractError('NOT_FOUND', `no account ${p.address}`);
    return a;
  });
  await bus.handle(DeleteAccount, async (p) => {
    const a = accounts.get(p.address);
    if (!a) throw new ContractError('NOT_FOUND', `no account ${p.address}`);
    accounts.delete(p.address);
    calls.push(`delete ${a.id}`);
    return { deleted: true as const, accountId: a.id };
  });
  await bus.handle(SetPassword, async (p) => {
    if (!accounts.has(p.address)) throw new ContractError('NOT_FOUND', `no account ${p.address}`);
    calls.push(`password ${p.address}`);
    return { updated: true as const };
  });
  await bus.handle(CreateAlias, async (p) => {
    const a = { id: randomUUID(), address: p.address, targets: p.targets, createdAt: now() };
    aliases.set(p.address, a);
    return a;
  });
  await bus.handle(ListAliases, async () => ({ aliases: [...aliases.values()] }));
  await bus.handle(DeleteAlias, async (p) => {
    if (!aliases.delete(p.address)) throw new ContractError('NOT_FOUND', `no alias ${p.address}`);
    return { deleted: true as const };
  });
  await bus.handle(PurgeAccount, async (p) => {
    calls.push(`purge ${p.accountId}`);
    return { messages: 3 };
  });
  await bus.handle(ListQueue, async (p) => {
    calls.push(`queue ${p.status ?? '-'} ${p.limit}`);
    return {
      entries: [
        {
          queueId: randomUUID(),
          mailFrom: 'a@b.test',
          messageId: '<x@y>',
          size: 10,
          receivedAt: now(),
          recipients: [{ address: 'c@d.test', status: 'deferred' as const, attempts: 2, nextAttemptAt: now(), lastError: '451 try later' }],
        },
      ],
    };
  });
  return { calls };
}

describe('admin API over HTTP', () => {
  let app: INestApplication;
  let bus: InProcessBus;
  let base: string;
  let calls: string[];

  before(async () => {
    bus = new InProcessBus({ service: 'test' });
    ({ calls } = await registerFakes(bus));
    @Global()
    @Module({ providers: [{ provide: Bus, useValue: bus }], exports: [Bus] })
    class TestInfra {}
    @Module({ imports: [TestInfra, AdminApiModule.forRoot({ token: TOKEN })] })
    class Root {}
    app = await NestFactory.create(Root, { logger: false });
    configureAdminApp(app, { token: TOKEN });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });

  after(async () => {
    await app?.close();
    await bus?.close();
  });

  const call = async (method: string, path: string, body?: unknown, token: string | null = TOKEN) => {
    const headers: Record<string, string> = {};
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };

  it('refuses requests without the right token', async () => {
    for (const token of [null, 'wrong', TOKEN.slice(0, -1), `${TOKEN}x`]) {
      const r = await call('GET', '/api/v1/domains', undefined, token);
      assert.equal(r.status, 401, String(token));
      assert.equal(r.body.error.code, 'UNAUTHORIZED');
      assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/);
    }
    const basic = await fetch(`${base}/api/v1/domains`, { headers: { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` } });
    assert.equal(basic.status, 401);
  });

  it('manages domains', async () => {
    let r = await call('POST', '/api/v1/domains', { name: 'example.org' });
    assert.equal(r.status, 201);
    assert.equal(r.body.name, 'example.org');
    r = await call('POST', '/api/v1/domains', { name: 'example.org' });
    assert.deepEqual([r.status, r.body.error.code], [409, 'CONFLICT']);
    r = await call('POST', '/api/v1/domains', { name: 'not a domain' });
    assert.deepEqual([r.status, r.body.error.code], [400, 'INVALID']);
    assert.match(r.body.error.message, /name/);
    r = await call('GET', '/api/v1/domains');
    assert.deepEqual(r.body.domains.map((d: Domain) => d.name), ['example.org']);
  });

  it('manages accounts, purging mail on delete', async () => {
    let r = await call('POST', '/api/v1/accounts', { address: 'alice@example.org', password: 'long enough pw', displayName: 'Alice' });
    assert.equal(r.status, 201);
    const id = r.body.id;
    r = await call('POST', '/api/v1/accounts', { address: 'carol@unhosted.test', password: 'long enough pw' });
    assert.deepEqual([r.status, r.body.error.message], [404, 'domain unhosted.test is not hosted here']);
    r = await call('POST', '/api/v1/accounts', { address: 'bob@example.org', password: 'short' });
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /password: password must be at least 8 characters/);
    r = await call('GET', '/api/v1/accounts?domain=example.org');
    assert.deepEqual(r.body.accounts.map((a: Account) => a.address), ['alice@example.org']);
    r = await call('GET', '/api/v1/accounts/alice%40example.org');
    assert.equal(r.body.id, id);
    r = await call('PUT', '/api/v1/accounts/alice@example.org/password', { password: 'another long one' });
    assert.deepEqual([r.status, r.body], [200, { updated: true }]);
    r = await call('PUT', '/api/v1/accounts/alice@example.org/password', {});
    assert.equal(r.status, 400);

    r = await call('DELETE', '/api/v1/domains/example.org');
    assert.equal(r.status, 409);

    calls.length = 0;
    r = await call('DELETE', '/api/v1/accounts/alice@example.org');
    assert.deepEqual([r.status, r.body], [200, { deleted: true, accountId: id, messagesPurged: 6 }]);
    assert.deepEqual(calls, [`purge ${id}`, `delete ${id}`, `purge ${id}`]);
    r = await call('DELETE', '/api/v1/accounts/alice@example.org');
    assert.equal(r.status, 404);
    r = await call('DELETE', '/api/v1/domains/example.org');
    assert.deepEqual([r.status, r.body], [200, { deleted: true }]);
  });

  it('manages aliases', async () => {
    let r = await call('POST', '/api/v1/aliases', { address: 'team@example.org', targets: ['a@example.org', 'b@remote.test'] });
    assert.equal(r.status, 201);
    r = await call('POST', '/api/v1/aliases', { address: 'team@example.org', targets: [] });
    assert.equal(r.status, 400);
    r = await call('GET', '/api/v1/aliases');
    assert.deepEqual(r.body.aliases.map((a: Alias) => a.address), ['team@example.org']);
    r = await call('DELETE', '/api/v1/aliases/team@example.org');
    assert.equal(r.status, 200);
    r = await call('DELETE', '/api/v1/aliases/team@example.org');
    assert.deepEqual([r.status, r.body.error.code], [404, 'NOT_FOUND']);
  });

  it('lists the queue', async () => {
    calls.length = 0;
    let r = await call('GET', '/api/v1/queue?status=deferred&limit=5');
    assert.equal(r.status, 200);
    assert.equal(r.body.entries[0].recipients[0].status, 'deferred');
    assert.deepEqual(calls, ['queue deferred 5']);
    r = await call('GET', '/api/v1/queue?limit=0');
    assert.equal(r.status, 400);
    r = await call('GET', '/api/v1/queue?status=weird');
    assert.equal(r.status, 400);
  });

  it('answers 503 when a service is down', async () => {
    const down = new InProcessBus();
    @Global()
    @Module({ providers: [{ provide: Bus, useValue: down }], exports: [Bus] })
    class DownInfra {}
    @Module({ imports: [DownInfra, AdminApiModule.forRoot({ token: TOKEN })] })
    class DownRoot {}
    const downApp = await NestFactory.create(DownRoot, { logger: false });
    configureAdminApp(downApp, { token: TOKEN });
    await downApp.listen(0, '127.0.0.1');
    try {
      const res = await fetch(`http://127.0.0.1:${(downApp.getHttpServer().address() as AddressInfo).port}/api/v1/queue`, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(res.status, 503);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'UNAVAILABLE');
    } finally {
      await downApp.close();
    }
  });

  it('answers JSON errors for malformed bodies and unknown routes', async () => {
    let r = await call('POST', '/api/v1/domains', '{"name": ');
    assert.equal(r.status, 400);
    assert.ok(r.body.error.code);
    r = await call('GET', '/api/v1/nothing-here');
    assert.deepEqual([r.status, r.body.error.code], [404, 'NOT_FOUND']);
  });

  it('serves an OpenAPI document describing every route', async () => {
    const r = await call('GET', '/api/openapi.json', undefined, null);
    assert.equal(r.status, 200);
    assert.equal(r.body.openapi, '3.1.0');
    const documented = Object.entries(r.body.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`));
    assert.deepEqual(documented.sort(), ROUTES.map((x) => `${x.method} ${x.path}`).sort());
    assert.ok(documented.length >= 13 && documented.includes('get /api/v1/trace'), documented.join(', '));
    // every documented route exists (a 401 without a token, not a 404)
    for (const route of ROUTES) {
      const path = route.path.replace('{name}', 'example.org').replace('{address}', 'a@example.org');
      const res = await fetch(base + path, { method: route.method.toUpperCase() });
      assert.equal(res.status, 401, `${route.method} ${route.path}`);
    }
    assert.equal(r.body.paths['/api/v1/accounts'].post.requestBody.content['application/json'].schema.required.includes('password'), true);
  });
});
