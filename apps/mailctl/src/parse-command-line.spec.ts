import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError, parseCommandLine } from './parse-command-line.js';

const plan = (argv: string[]) => {
  const p = parseCommandLine(argv);
  assert.equal(p.kind, 'run');
  return p.kind === 'run' ? p : assert.fail();
};
const usageError = (argv: string[], message: RegExp) =>
  assert.throws(() => parseCommandLine(argv), (err: unknown) => err instanceof UsageError && message.test(err.message));

describe('mailctl command line', () => {
  it('maps each command to one API call', () => {
    assert.deepEqual(plan(['domain', 'add', 'example.org']).plan.call, { method: 'POST', path: '/api/v1/domains', body: { name: 'example.org' } });
    assert.deepEqual(plan(['domain', 'list']).plan.call, { method: 'GET', path: '/api/v1/domains' });
    assert.deepEqual(plan(['domain', 'remove', 'example.org']).plan.call, { method: 'DELETE', path: '/api/v1/domains/example.org' });
    assert.deepEqual(plan(['user', 'add', 'a@example.org', '--password', 'pw pw pw', '--name', 'Ann Lee', '--quota', '2G']).plan.call, {
      method: 'POST',
      path: '/api/v1/accounts',
      body: { address: 'a@example.org', password: 'pw pw pw', displayName: 'Ann Lee', quotaBytes: 2 * 1024 ** 3 },
    });
    assert.deepEqual(plan(['user', 'list', '--domain', 'example.org']).plan.call, { method: 'GET', path: '/api/v1/accounts?domain=example.org' });
    assert.deepEqual(plan(['user', 'remove', 'a@example.org']).plan.call, { method: 'DELETE', path: '/api/v1/accounts/a%40example.org' });
    assert.deepEqual(plan(['user', 'passwd', 'a@example.org', '--password=secret99']).plan.call, {
      method: 'PUT',
      path: '/api/v1/accounts/a%40example.org/password',
      body: { password: 'secret99' },
    });
    assert.deepEqual(plan(['alias', 'add', 'team@example.org', 'a@example.org', 'b@remote.test']).plan.call, {
      method: 'POST',
      path: '/api/v1/aliases',
      body: { address: 'team@example.org', targets: ['a@example.org', 'b@remote.test'] },
    });
    assert.deepEqual(plan(['alias', 'list']).plan.call, { method: 'GET', path: '/api/v1/aliases' });
    assert.deepEqual(plan(['alias', 'remove', 'team@example.org']).plan.call, { method: 'DELETE', path: '/api/v1/aliases/team%40example.org' });
    assert.deepEqual(plan(['queue', 'list', '--status', 'deferred', '--limit', '5']).plan.call, { method: 'GET', path: '/api/v1/queue?status=deferred&limit=5' });
  });

  it('asks for the password when it is not given', () => {
    assert.equal(plan(['user', 'passwd', 'a@example.org']).plan.needsPassword, true);
    assert.equal(plan(['user', 'add', 'a@example.org']).plan.needsPassword, true);
    assert.equal(plan(['user', 'add', 'a@example.org', '--password', 'x']).plan.needsPassword, false);
  });

  it('takes --json anywhere', () => {
    assert.equal(plan(['--json', 'domain', 'list']).json, true);
    assert.equal(plan(['domain', 'list', '--json']).json, true);
    assert.equal(plan(['domain', 'list']).json, false);
  });

  it('knows help', () => {
    assert.deepEqual(parseCommandLine(['help']), { kind: 'help' });
    assert.deepEqual(parseCommandLine(['--help']), { kind: 'help' });
    assert.deepEqual(parseCommandLine(['user', 'add', '-h']), { kind: 'help' });
  });

  it('explains usage errors', () => {
    usageError([], /no command/);
    usageError(['frobnicate'], /unknown command "frobnicate"/);
    usageError(['user'], /needs a subcommand: add, list, remove, passwd/);
    usageError(['user', 'delete', 'x'], /unknown command "user delete"/);
    usageError(['domain', 'add'], /needs more arguments/);
    usageError(['domain', 'add', 'a', 'b'], /fewer arguments/);
    usageError(['alias', 'add', 'team@example.org'], /needs more arguments/);
    usageError(['domain', 'add', 'x', '--password', 'y'], /has no option --password/);
    usageError(['domain', 'add', 'x', '--nope'], /nope/);
    usageError(['user', 'add', 'a@b.test', '--password', 'x', '--quota', 'lots'], /not a size/);
    usageError(['queue', 'list', '--limit', 'many'], /not a number/);
    assert.throws(() => parseCommandLine(['domain', 'add']), (err: UsageError) => err.usage === 'domain add <name>');
  });
});
