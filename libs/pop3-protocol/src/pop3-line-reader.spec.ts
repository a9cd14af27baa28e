import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Pop3LineReader, type Pop3LineEvent } from './pop3-line-reader.js';

function show(events: Pop3LineEvent[]) {
  return events.map((e) => (e.kind === 'line' ? e.line.toString('latin1') : `<too-long ${e.length}>`));
}

describe('Pop3LineReader', () => {
  it('splits on CRLF and bare LF across chunk boundaries', () => {
    const r = new Pop3LineReader(100);
    const out = [...r.push(Buffer.from('US')), ...r.push(Buffer.from('ER a\r')), ...r.push(Buffer.from('\nSTAT\nNOOP\r\n\r\nQU'))];
    assert.deepEqual(show(out), ['USER a', 'STAT', 'NOOP', '']);
    assert.equal(r.pending, 2);
    assert.deepEqual(show(r.push(Buffer.from('IT\r\n'))), ['QUIT']);
  });

  it('keeps bare CR and NUL inside the line for the parser to judge', () => {
    const r = new Pop3LineReader(100);
    assert.deepEqual(show(r.push(Buffer.from('a\rb\0c\r\n'))), ['a\rb\0c']);
  });

  it('drops an overlong line whole, once, and resynchronises at the next line', () => {
    const r = new Pop3LineReader(10);
    const out: Pop3LineEvent[] = [];
    out.push(...r.push(Buffer.from('x'.repeat(8))));
    for (let i = 0; i < 100; i++) out.push(...r.push(Buffer.from('y'.repeat(1000))));
    assert.ok(r.pending <= 11, 'must not buffer an overlong line');
    out.push(...r.push(Buffer.from('\r\nNOOP\r\n0123456789\r\n0123456789A\r\n')));
    assert.deepEqual(show(out), ['<too-long 100009>', 'NOOP', '0123456789', '<too-long 12>']);
  });

  it('survives random bytes', () => {
    const r = new Pop3LineReader(255);
    for (let i = 0; i < 500; i++) {
      const buf = Buffer.alloc(Math.floor(Math.random() * 600));
      for (let j = 0; j < buf.length; j++) buf[j] = Math.floor(Math.random() * 256);
      for (const e of r.push(buf)) if (e.kind === 'line') assert.ok(e.line.length <= 255 && !e.line.includes(0x0a));
      assert.ok(r.pending <= 256);
    }
  });
});
