import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandReader, type ReaderEvent } from './command-reader.js';

function feed(reader: CommandReader, input: string | Buffer, chunk = Infinity): ReaderEvent[] {
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input);
  const out: ReaderEvent[] = [];
  for (let i = 0; i < buf.length; i += chunk) {
    reader.push(buf.subarray(i, Math.min(buf.length, i + chunk)));
    for (let ev = reader.next(); ev; ev = reader.next()) out.push(ev);
  }
  return out;
}

describe('CommandReader: MULTIAPPEND and literal8', () => {
  it('frames several messages of one APPEND (RFC 3502), split at any byte', () => {
    for (const chunk of [1, 3, 1000]) {
      const evs = feed(new CommandReader(), 'a APPEND Box (\\Seen) {2+}\r\nhi (\\Flagged) " 7-Feb-2024 10:00:00 +0100" {3+}\r\nyou {1+}\r\n!\r\nb NOOP\r\n', chunk);
      const kinds = evs.filter((e) => e.type !== 'append-data').map((e) => e.type);
      assert.deepEqual(kinds, ['append', 'append', 'append', 'append-end', 'command'], `chunk ${chunk}`);
      const headers = evs.flatMap((e) => (e.type === 'append' ? [e.append] : []));
      assert.deepEqual(headers.map((h) => [h.tag, h.mailbox, h.flags, h.continued ?? false, h.size]), [
        ['a', 'Box', ['\\Seen'], false, 2],
        ['a', 'Box', ['\\Flagged'], true, 3],
        ['a', 'Box', [], true, 1],
      ]);
      assert.ok(headers[1]!.date instanceof Date);
      const end = evs.find((e) => e.type === 'append-end');
      assert.ok(end?.type === 'append-end' && end.error === null);
    }
  });

  it('ends a MULTIAPPEND with a malformed continuation and skips its literal', () => {
    const evs = feed(new CommandReader(), 'a APPEND Box {2+}\r\nhi (\\Seen {3+}\r\nyou\r\nb NOOP\r\n');
    const end = evs.find((e) => e.type === 'append-end');
    assert.ok(end?.type === 'append-end' && end.error && end.error.tag === 'a');
    assert.deepEqual(evs.filter((e) => e.type === 'command').map((e) => e.type === 'command' && e.command.tag), ['b']);
  });

  it('refuses a further message over the size limit as TOOBIG', () => {
    const evs = feed(new CommandReader({ maxLiteralSize: 10 }), 'a APPEND Box {2+}\r\nhi {11+}\r\n01234567890\r\nb NOOP\r\n');
    const end = evs.find((e) => e.type === 'append-end');
    assert.ok(end?.type === 'append-end' && end.error?.code === 'TOOBIG');
    assert.equal(evs[evs.length - 1]!.type, 'command');
  });

  it('reads a literal8 message (RFC 3516 ~{n}) with NUL bytes', () => {
    const evs = feed(new CommandReader(), Buffer.concat([Buffer.from('a APPEND Box ~{3+}\r\n'), Buffer.from([0, 1, 0]), Buffer.from(' ~{1}\r\n')]));
    const append = evs[0]!;
    assert.ok(append.type === 'append' && append.append.binary === true && append.append.size === 3);
    const data = evs.filter((e) => e.type === 'append-data').map((e) => (e.type === 'append-data' ? e.data : Buffer.alloc(0)));
    assert.deepEqual(Buffer.concat(data), Buffer.from([0, 1, 0]));
    const second = evs[evs.length - 1]!;
    assert.ok(second.type === 'append' && second.append.binary === true && second.append.continued === true && !second.append.nonSync);
  });

  it('frames APPEND UTF8 (~{n}) (RFC 6855 4), its ")" and a further UTF8 message, split at any byte', () => {
    for (const chunk of [1, 4, 1000]) {
      const evs = feed(new CommandReader(), 'a APPEND Box (\\Seen) UTF8 (~{4+}\r\nGr\u00fc) UTF8 (~{1+}\r\n!)\r\nb NOOP\r\n', chunk);
      const headers = evs.flatMap((e) => (e.type === 'append' ? [e.append] : []));
      assert.deepEqual(headers.map((h) => [h.flags, h.utf8, h.binary, h.continued ?? false, h.size]), [
        [['\\Seen'], true, true, false, 4],
        [[], true, true, true, 1],
      ], `chunk ${chunk}`);
      const end = evs.find((e) => e.type === 'append-end');
      assert.ok(end?.type === 'append-end' && end.error === null, `chunk ${chunk}`);
      assert.equal(evs[evs.length - 1]!.type, 'command');
    }
  });

  it('refuses UTF8 ( with a plain literal, and a UTF8 literal8 without its ")"', () => {
    const plain = feed(new CommandReader(), 'a APPEND Box UTF8 ({2+}\r\nhi)\r\nb NOOP\r\n');
    assert.deepEqual(plain.map((e) => e.type), ['error', 'command']);
    const unclosed = feed(new CommandReader(), 'a APPEND Box UTF8 (~{2+}\r\nhi\r\nb NOOP\r\n');
    const end = unclosed.find((e) => e.type === 'append-end');
    assert.ok(end?.type === 'append-end' && end.error?.tag === 'a');
    assert.equal(unclosed[unclosed.length - 1]!.type, 'command');
    const inMulti = feed(new CommandReader(), 'a APPEND Box {2+}\r\nhi UTF8 ({1+}\r\n!)\r\nb NOOP\r\n');
    const multiEnd = inMulti.find((e) => e.type === 'append-end');
    assert.ok(multiEnd?.type === 'append-end' && multiEnd.error?.tag === 'a');
  });
});
