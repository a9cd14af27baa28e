import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandReader, type ReaderEvent } from './command-reader.js';
import { ImapParseError } from './errors.js';

function drain(reader: CommandReader): ReaderEvent[] {
  const out: ReaderEvent[] = [];
  for (let ev = reader.next(); ev; ev = reader.next()) out.push(ev);
  return out;
}

function feed(reader: CommandReader, input: string | Buffer, chunk = Infinity): ReaderEvent[] {
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input);
  const out: ReaderEvent[] = [];
  for (let i = 0; i < buf.length; i += chunk) {
    reader.push(buf.subarray(i, Math.min(buf.length, i + chunk)));
    out.push(...drain(reader));
  }
  return out;
}

const types = (evs: ReaderEvent[]) => evs.map((e) => e.type);

describe('CommandReader', () => {
  it('frames pipelined commands split at any byte', () => {
    for (const chunk of [1, 2, 3, 7, 1000]) {
      const evs = feed(new CommandReader(), 'a NOOP\r\nb LOGIN {3}\r\nbob "pw"\r\n\r\nc LOGOUT\r\n', chunk);
      assert.deepEqual(types(evs), ['command', 'continue', 'command', 'command'], `chunk ${chunk}`);
      const login = evs[2]!;
      assert.ok(login.type === 'command' && login.command.name === 'LOGIN' && login.command.username === 'bob');
    }
  });

  it('does not ask for a continuation for non-synchronizing literals', () => {
    const evs = feed(new CommandReader(), 'b LOGIN {3+}\r\nbob {2+}\r\npw\r\n');
    assert.deepEqual(types(evs), ['command']);
  });

  it('streams an APPEND literal in chunks and reports its end', () => {
    const reader = new CommandReader();
    const msg = 'Subject: hi\r\n\r\nbody\r\n';
    const evs = feed(reader, `a APPEND INBOX (\\Seen) " 7-Feb-2024 10:00:00 +0100" {${msg.length}}\r\n${msg}\r\nb NOOP\r\n`, 5);
    const first = evs[0]!;
    assert.ok(first.type === 'append');
    assert.equal(first.append.mailbox, 'INBOX');
    assert.deepEqual(first.append.flags, ['\\Seen']);
    assert.equal(first.append.date?.toISOString(), '2024-02-07T09:00:00.000Z');
    assert.equal(first.append.nonSync, false);
    const data = Buffer.concat(evs.filter((e) => e.type === 'append-data').map((e) => (e as { data: Buffer }).data));
    assert.equal(data.toString(), msg);
    const rest = evs.filter((e) => e.type !== 'append-data').slice(1);
    assert.deepEqual(types(rest), ['append-end', 'command']);
    assert.ok(rest[0]!.type === 'append-end' && rest[0]!.error === null);
  });

  it('handles a mailbox name given as a literal before the message literal', () => {
    const evs = feed(new CommandReader(), 'a APPEND {5}\r\nINBOX {2+}\r\nhi\r\n');
    assert.deepEqual(types(evs), ['continue', 'append', 'append-data', 'append-end']);
  });

  it('refuses an oversized APPEND before reading it', () => {
    const reader = new CommandReader({ maxLiteralSize: 10 });
    let evs = feed(reader, 'a APPEND INBOX {11}\r\n');
    assert.equal(evs.length, 1);
    const e = evs[0]!;
    assert.ok(e.type === 'error' && e.error.tag === 'a' && e.error.code === 'TOOBIG' && !e.error.fatal);
    // a non-synchronizing one is skipped unread, and the session goes on
    evs = feed(reader, 'b APPEND INBOX {11+}\r\n01234567890\r\nc NOOP\r\n');
    assert.deepEqual(types(evs), ['error', 'command']);
  });

  it('lets the session reject an APPEND literal', () => {
    const reader = new CommandReader();
    let evs = feed(reader, 'a APPEND INBOX {4+}\r\nab');
    assert.equal(evs[0]!.type, 'append');
    reader.rejectLiteral();
    evs = feed(reader, 'cd\r\nb NOOP\r\n');
    assert.deepEqual(types(evs), ['command']);
    const sync = new CommandReader();
    assert.equal(feed(sync, 'a APPEND INBOX {4}\r\n')[0]!.type, 'append');
    sync.rejectLiteral();
    assert.deepEqual(types(feed(sync, 'b NOOP\r\n')), ['command']);
  });

  it('refuses a too long line and recovers at the next one', () => {
    const reader = new CommandReader({ maxCommandSize: 100 });
    const evs = feed(reader, 'x1 LOGIN ' + 'a'.repeat(1000) + ' b\r\nx2 NOOP\r\n', 64);
    assert.deepEqual(types(evs), ['error', 'command']);
    assert.ok(evs[0]!.type === 'error' && evs[0]!.error.tag === 'x1');
  });

  it('refuses a too large literal in an ordinary command', () => {
    const reader = new CommandReader({ maxCommandSize: 100 });
    assert.deepEqual(types(feed(reader, 'x LOGIN {500}\r\n')), ['error']);
    assert.deepEqual(types(feed(reader, 'y LOGIN {500+}\r\n' + 'z'.repeat(500) + ' p\r\nz NOOP\r\n', 33)), ['error', 'command']);
  });

  it('gives up on a literal size it cannot frame', () => {
    const evs = feed(new CommandReader(), 'a LOGIN {99999999999999999999+}\r\n');
    assert.ok(evs[0]!.type === 'error' && evs[0]!.error.fatal);
  });

  it('reads raw lines on request (IDLE DONE, SASL)', () => {
    const reader = new CommandReader();
    assert.deepEqual(types(feed(reader, 'a IDLE\r\n')), ['command']);
    reader.expectLine();
    const evs = feed(reader, 'DONE\r\nb NOOP\r\n');
    assert.deepEqual(evs[0], { type: 'line', text: 'DONE' });
    assert.equal(evs[1]!.type, 'command');
  });

  it('never throws anything but ImapParseError events on random input', () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const alphabet = Buffer.from('a1 {}+()[]<>."\\*%:,\r\n0123456789 FETCH BODY.PEEK[HEADER.FIELDS (X)] UID SEARCH OR NOT APPEND LOGIN\x00\xff');
    for (let round = 0; round < 2000; round++) {
      const reader = new CommandReader({ maxCommandSize: 200, maxLiteralSize: 50 });
      const len = Math.floor(rand() * 300);
      const bytes = Buffer.alloc(len);
      for (let i = 0; i < len; i++) bytes[i] = rand() < 0.8 ? alphabet[Math.floor(rand() * alphabet.length)]! : Math.floor(rand() * 256);
      let i = 0;
      while (i < len) {
        const n = 1 + Math.floor(rand() * 20);
        reader.push(bytes.subarray(i, i + n));
        i += n;
        for (let ev = reader.next(); ev; ev = reader.next()) {
          if (ev.type === 'error') assert.ok(ev.error instanceof ImapParseError);
          if (ev.type === 'append' && rand() < 0.5) reader.rejectLiteral();
          if (ev.type === 'command' && ev.command.name === 'IDLE') reader.expectLine();
        }
      }
    }
  });
});
