import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parsePop3Command, parseSaslContinuation, MAX_COMMAND_LINE } from './pop3-command-parser.js';

const parse = (s: string) => parsePop3Command(Buffer.from(s, 'utf8'));
function command(s: string) {
  const r = parse(s);
  assert.ok(r.ok, `expected ${JSON.stringify(s)} to parse: ${r.ok ? '' : r.error.message}`);
  return r.command;
}
function errorCode(s: string | Buffer) {
  const r = parsePop3Command(typeof s === 'string' ? Buffer.from(s) : s);
  assert.ok(!r.ok, `expected ${JSON.stringify(s.toString())} to fail`);
  return r.error.code;
}

describe('parsePop3Command', () => {
  it('parses every command, keywords case-insensitive', () => {
    assert.deepEqual(command('user alice@example.com'), { name: 'USER', user: 'alice@example.com' });
    assert.deepEqual(command('PASS secret with spaces '), { name: 'PASS', password: 'secret with spaces ' });
    assert.deepEqual(command('Stat'), { name: 'STAT' });
    assert.deepEqual(command('LIST'), { name: 'LIST' });
    assert.deepEqual(command('list 3'), { name: 'LIST', msg: 3 });
    assert.deepEqual(command('UIDL 12'), { name: 'UIDL', msg: 12 });
    assert.deepEqual(command('uidl'), { name: 'UIDL' });
    assert.deepEqual(command('TOP 1 0'), { name: 'TOP', msg: 1, lines: 0 });
    assert.deepEqual(command('RETR 7'), { name: 'RETR', msg: 7 });
    assert.deepEqual(command('dele 2'), { name: 'DELE', msg: 2 });
    for (const k of ['RSET', 'NOOP', 'QUIT', 'CAPA', 'STLS']) assert.deepEqual(command(k.toLowerCase()), { name: k });
    assert.deepEqual(command('AUTH'), { name: 'AUTH' });
    assert.deepEqual(command('auth plain'), { name: 'AUTH', mechanism: 'PLAIN' });
    assert.deepEqual(command('AUTH PLAIN AGFsaWNlAHNlY3JldA=='), { name: 'AUTH', mechanism: 'PLAIN', initialResponse: 'AGFsaWNlAHNlY3JldA==' });
    assert.deepEqual(command('AUTH PLAIN ='), { name: 'AUTH', mechanism: 'PLAIN', initialResponse: '=' });
  });

  it('rejects bad arguments', () => {
    for (const s of ['RETR', 'RETR 0', 'RETR -1', 'RETR 1.5', 'RETR 99999999999', 'RETR 1 2', 'RETR abc', 'DELE', 'TOP 1', 'TOP 1 x', 'TOP 0 1', 'LIST 1 2', 'LIST 0', 'STAT 1', 'QUIT now', 'USER', 'USER a b', 'PASS', 'AUTH PLAIN !!!!', 'AUTH PLAIN abc', 'AUTH a b c', 'RETR 2147483648']) {
      assert.equal(errorCode(s), 'bad-arguments', s);
    }
  });

  it('rejects unknown commands, empty lines, bad bytes and long lines', () => {
    assert.equal(errorCode('APOP alice abcdef'), 'unknown-command');
    assert.equal(errorCode('XYZZY'), 'unknown-command');
    assert.equal(errorCode(''), 'empty-line');
    assert.equal(errorCode('   '), 'empty-line');
    assert.equal(errorCode(Buffer.from([0x55, 0x53, 0x45, 0x52, 0x20, 0xff, 0xfe])), 'bad-encoding');
    assert.equal(errorCode('USER a\u0000b'), 'bad-encoding');
    assert.equal(errorCode('USER a\rb'), 'bad-encoding');
    assert.equal(errorCode(`USER ${'a'.repeat(MAX_COMMAND_LINE)}`), 'line-too-long');
    // AUTH is allowed longer lines for its base64 data
    assert.equal(command(`AUTH PLAIN ${'QUFB'.repeat(100)}`).name, 'AUTH');
    assert.equal(errorCode(`AUTH PLAIN ${'QUFB'.repeat(1000)}`), 'line-too-long');
  });

  it('never throws on random bytes', () => {
    for (let i = 0; i < 2000; i++) {
      const buf = Buffer.alloc(Math.floor(Math.random() * 300));
      for (let j = 0; j < buf.length; j++) buf[j] = Math.floor(Math.random() * 256);
      const r = parsePop3Command(buf);
      assert.equal(typeof r.ok, 'boolean');
    }
  });
});

describe('parseSaslContinuation', () => {
  it('decodes data, cancel and garbage', () => {
    assert.deepEqual(parseSaslContinuation(Buffer.from('*')), { kind: 'cancel' });
    assert.deepEqual(parseSaslContinuation(Buffer.from('QUJD')), { kind: 'data', data: Buffer.from('ABC') });
    assert.deepEqual(parseSaslContinuation(Buffer.from('')), { kind: 'data', data: Buffer.alloc(0) });
    assert.deepEqual(parseSaslContinuation(Buffer.from('no way')), { kind: 'invalid' });
  });
});
