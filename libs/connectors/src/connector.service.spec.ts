import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ContractError, ConnectorInput } from '@mail/contracts';
import { PgliteDatabase, runMigrations, type Database } from '@mail/db';
import { SecretSealer } from './connector-secrets.js';
import { ConnectorRepository } from './connector.repository.js';
import { ConnectorService } from './connector.service.js';
import { connectorMigrations } from './migrations/001-connectors.js';

/** reversible, keyed by a word: "another key" is a sealer with another word */
class WordSealer extends SecretSealer {
  constructor(private readonly word: string) {
    super();
  }
  seal(text: string): string {
    return `${this.word}:${Buffer.from(text).toString('base64')}:${Math.random().toString(36).slice(2, 6)}`;
  }
  open(sealed: string): string {
    const [word, b64] = sealed.split(':');
    if (word !== this.word) throw new Error('wrong key');
    return Buffer.from(b64, 'base64').toString();
  }
}

const partner = { name: 'Contoso', direction: 'inbound', type: 'partner', senderDomains: ['contoso.com', '*.contoso.com'], senderIpAddresses: ['203.0.113.0/24'], requireTls: true } as const;
const smart = { name: 'Smart host', direction: 'outbound', recipientDomains: ['fabrikam.com'], smartHosts: ['relay1.example.net:2525', 'relay2.example.net'], tlsSettings: 'certificateValidation', authUsername: 'u', authPassword: 'hunter2!' } as const;

describe('ConnectorService', () => {
  let db: Database;
  let service: ConnectorService;
  before(async () => {
    db = await PgliteDatabase.open();
    await runMigrations(db, 'connectors', connectorMigrations);
    service = new ConnectorService(db, new ConnectorRepository(), new WordSealer('k1'));
  });
  after(() => db.close());

  it('creates with defaults filled in, never shows the password, refuses a second of the same name', async () => {
    const c = await service.create(ConnectorInput.parse(partner));
    assert.equal(c.enabled, true);
    assert.equal(c.maxMessageSize, 150 * 1024 * 1024);
    assert.equal(c.restrictDomainsToIpAddresses, false);
    const s = await service.create(ConnectorInput.parse(smart));
    assert.equal(s.authPasswordSet, true);
    assert.equal(JSON.stringify(s).includes('hunter2'), false);
    await assert.rejects(service.create(ConnectorInput.parse({ ...partner, name: 'CONTOSO' })), (e: ContractError) => e.code === 'CONFLICT');
    const snap = await service.snapshot();
    assert.equal(snap.connectors.find((x) => x.name === 'Smart host')?.authPasswordSealed?.startsWith('k1:'), true);
  });

  it('updates by patch, null clears, the merged connector must still be valid', async () => {
    const c = await service.update('contoso', { comment: 'hello', requireTls: false });
    assert.deepEqual([c.comment, c.requireTls], ['hello', false]);
    assert.equal((await service.update('Contoso', { comment: null })).comment, undefined);
    await assert.rejects(service.update('Contoso', { senderDomains: [], senderIpAddresses: [] }), (e: ContractError) => e.code === 'INVALID' && /partner connector needs/.test(e.message));
    await assert.rejects(service.update('nope', { comment: 'x' }), (e: ContractError) => e.code === 'NOT_FOUND');
    // the password survives other changes, and can be cleared together with the user name
    assert.equal((await service.update('Smart host', { comment: 'x' })).authPasswordSet, true);
  });

  it('export then import is a no-op; a changed file shows the fields; problems carry line numbers and apply nothing', async () => {
    const { yaml } = await service.exportYaml();
    assert.equal(yaml.includes('hunter2'), false);
    const again = await service.importYaml(yaml, false);
    assert.ok(again.ok);
    assert.equal(again.applied, false);
    assert.deepEqual(again.changes.map((c) => c.action), ['unchanged', 'unchanged']);

    const changed = await service.importYaml(yaml.replace('requireTls: false', 'requireTls: true'), true);
    assert.ok(changed.ok);
    assert.deepEqual(changed.changes.find((c) => c.name === 'Contoso'), { name: 'Contoso', action: 'update', fields: ['requireTls'] });
    assert.equal((await service.get('Contoso')).requireTls, false, 'a dry run writes nothing');

    const bad = `connectors:\n  - name: A\n    direction: inbound\n    type: relay\n    senderIpAddresses: [10.0.0.300]\n  - name: B\n    direction: outbound\n    recipientDomains: ['*']\n    smartHosts: [x.example]\n    bogus: 1\n`;
    const r = await service.importYaml(bad, false);
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.deepEqual(r.problems.map((p) => p.line), [5, 6]);
      assert.match(r.problems[0].message, /connector A: senderIpAddresses\.0: must be an IPv4/);
      assert.match(r.problems[1].message, /unknown field\(s\) bogus/);
    }
    const syntax = await service.importYaml('connectors:\n  - name: [\n', false);
    assert.equal(syntax.ok, false);

    // a password sealed with another key is refused (at the connector's line), nothing applied
    const foreign = yaml.replace(/sealed: k1:/, 'sealed: k2:').replace('requireTls: false', 'requireTls: true');
    const f = await service.importYaml(foreign, false);
    assert.equal(f.ok, false);
    assert.equal((await service.get('Contoso')).requireTls, false);
  });

  it('export, remove all, import: identical connectors', async () => {
    const before = (await service.list()).connectors.map(({ id: _i, createdAt: _c, updatedAt: _u, ...rest }) => rest);
    const { yaml } = await service.exportYaml();
    for (const c of before) await service.remove(c.name);
    const r = await service.importYaml(yaml, false);
    assert.ok(r.ok && r.applied);
    const afterImport = (await service.list()).connectors.map(({ id: _i, createdAt: _c, updatedAt: _u, ...rest }) => rest);
    assert.deepEqual(afterImport, before);
    const snap = await service.snapshot();
    assert.ok(snap.connectors.some((c) => c.authPasswordSealed));
  });
});

describe('ConnectorInput rules', () => {
  const problems = (x: unknown) => {
    const r = ConnectorInput.safeParse(x);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  it('accepts the use cases and refuses what makes no sense', () => {
    assert.deepEqual(problems(partner), []);
    assert.deepEqual(problems(smart), []);
    assert.deepEqual(problems({ name: 'printers', direction: 'inbound', type: 'relay', senderIpAddresses: ['127.0.0.2', '2001:db8::/32'], maxMessagesPerMinute: 30 }), []);
    assert.deepEqual(problems({ name: 'f', direction: 'inbound', type: 'filter', senderIpAddresses: ['192.0.2.1'], skipLastIp: true }), []);
    assert.ok(problems({ name: 'x', direction: 'inbound', type: 'relay' }).some((p) => p.startsWith('senderIpAddresses:')));
    assert.ok(problems({ name: 'x', direction: 'inbound', type: 'relay', senderIpAddresses: ['1.2.3.4'], senderDomains: ['a.com'] }).length > 0);
    assert.ok(problems({ name: 'x', direction: 'outbound', recipientDomains: ['*'], smartHosts: ['a'], useMxRecord: true }).length > 0);
    assert.ok(problems({ name: 'x', direction: 'outbound', recipientDomains: ['*'], smartHosts: ['a:99999'] }).length > 0);
    assert.ok(problems({ name: 'x', direction: 'outbound', recipientDomains: ['*'], useMxRecord: true, tlsSettings: 'domainValidation' }).some((p) => p.startsWith('tlsDomain')));
    assert.ok(problems({ name: 'x', direction: 'outbound', recipientDomains: ['*'], useMxRecord: true, requireTls: true }).some((p) => p.startsWith('requireTls')));
    assert.ok(problems({ name: 'export', direction: 'outbound', recipientDomains: ['*'], useMxRecord: true }).length > 0);
    assert.ok(problems({ name: 'x', direction: 'inbound', type: 'partner', senderDomains: ['*.*.com'] }).length > 0);
    assert.ok(problems({ name: 'x', direction: 'inbound', type: 'partner', senderDomains: ['a.com'], unknown: 1 }).length > 0);
  });
});
