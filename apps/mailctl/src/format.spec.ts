import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COMMANDS } from './commands.js';
import { formatSize, parseSize } from './quota.js';
import { clean, table } from './table.js';

const render = (words: string, response: unknown, args: string[] = []) => COMMANDS.find((c) => c.words.join(' ') === words)!.plan(args, {}).render(response);

describe('mailctl output', () => {
  it('aligns tables', () => {
    assert.equal(table(['A', 'LONGER'], [['xxxx', 'y'], ['z', '']]), 'A     LONGER\nxxxx  y\nz\n');
  });

  it('neutralises control characters from the server', () => {
    assert.equal(clean('evil\u001b[2Jname\n'), 'evil [2Jname ');
  });

  it('parses and prints sizes', () => {
    assert.equal(parseSize('1024'), 1024);
    assert.equal(parseSize('5G'), 5 * 1024 ** 3);
    assert.equal(parseSize('1.5 GiB'), 1.5 * 1024 ** 3);
    assert.equal(parseSize('512mb'), 512 * 1024 ** 2);
    assert.equal(parseSize('-1'), null);
    assert.equal(parseSize('lots'), null);
    assert.equal(formatSize(null), '-');
    assert.equal(formatSize(500), '500 B');
    assert.equal(formatSize(5 * 1024 ** 3), '5 GiB');
    assert.equal(formatSize(1536), '1.5 KiB');
  });

  it('renders lists as tables and empty lists as a sentence', () => {
    const users = render('user list', {
      accounts: [
        { address: 'alice@example.org', displayName: 'Alice', quotaBytes: 1024 ** 3, quotaMessages: 500, usage: { bytes: 1536, messages: 3 }, disabled: false, createdAt: '2026-01-02T03:04:05.678Z' },
        { address: 'b@example.org', displayName: null, quotaBytes: null, usage: { bytes: 0, messages: 0 }, disabled: true, createdAt: '2026-01-02T03:04:05Z' },
        { address: 'c@example.org', displayName: null, quotaBytes: 2048, quotaMessages: null, usage: null, disabled: false, createdAt: '2026-01-02T03:04:05Z' },
      ],
    });
    assert.equal(
      users,
      [
        'ADDRESS            NAME   STORAGE           MESSAGES  STATUS    CREATED',
        'alice@example.org  Alice  1.5 KiB of 1 GiB  3 of 500  active    2026-01-02 03:04:05Z',
        'b@example.org      -      0 B               0         disabled  2026-01-02 03:04:05Z',
        'c@example.org      -      ? of 2 KiB        ?         active    2026-01-02 03:04:05Z',
        '',
      ].join('\n'),
    );
    assert.equal(render('user list', { accounts: [] }), 'no users\n');
    assert.equal(render('domain list', { domains: [] }), 'no domains\n');
    assert.match(render('alias list', { aliases: [{ address: 't@x.test', targets: ['a@x.test', 'b@y.test'] }] }), /^ALIAS\s+TARGETS\nt@x\.test\s+a@x\.test, b@y\.test\n$/);
    const queue = render('queue list', {
      entries: [
        {
          queueId: '0123456789abcdef',
          mailFrom: '',
          size: 1,
          receivedAt: '2026-01-01T00:00:00Z',
          recipients: [{ address: 'r@remote.test', status: 'deferred', attempts: 3, nextAttemptAt: '2026-01-01T01:00:00Z', lastError: '451 4.7.1 greylisted' }],
        },
      ],
    });
    assert.match(queue, /^QUEUE ID\s+FROM\s+TO\s+STATUS\s+TRIES\s+NEXT ATTEMPT\s+LAST ERROR\n0123456789abcdef\s+<>\s+r@remote\.test\s+deferred\s+3\s+2026-01-01 01:00:00Z\s+451 4\.7\.1 greylisted\n$/);
    assert.equal(render('queue list', { entries: [] }), 'the queue is empty\n');
    assert.equal(render('user remove', { deleted: true, accountId: 'x', messagesPurged: 1 }, ['a@b.test']), 'user a@b.test removed (1 message deleted)\n');
  });
});
