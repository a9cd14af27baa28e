import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MultilineDecoder } from './multiline-decoder.js';
import { ReplyLineBuffer, parseStatusLine } from './reply-line.js';
import { bodyLines, parseCapa, parseListListing, parseStat, parseUidlListing } from './listings.js';
import { Pop3ReplyError } from './pop3-reply-error.js';

/** Feeds `chunks` to a fresh decoder; answers the body and the bytes after the terminator. */
function decode(chunks: Buffer[]): { body: string; rest: string; done: boolean } {
  const d = new MultilineDecoder();
  const out: Buffer[] = [];
  let rest = '';
  for (const c of chunks) {
    if (d.done) {
      rest += c.toString('latin1');
      continue;
    }
    const r = d.feed(c);
    out.push(...r.data);
    if (r.endedAt !== undefined) rest += c.subarray(r.endedAt).toString('latin1');
  }
  return { body: Buffer.concat(out).toString('latin1'), rest, done: d.done };
}

/** Splits a string into chunks at the given cut points. */
function cut(text: string, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let last = 0;
  for (const p of points) {
    chunks.push(Buffer.from(text.slice(last, p), 'latin1'));
    last = p;
  }
  chunks.push(Buffer.from(text.slice(last), 'latin1'));
  return chunks;
}

describe('MultilineDecoder', () => {
  it('unstuffs leading dots and stops at the lone dot', () => {
    const r = decode([Buffer.from('Subject: x\r\n\r\n..hidden\r\n.\r\n+OK next\r\n')]);
    assert.equal(r.body, 'Subject: x\r\n\r\n.hidden\r\n');
    assert.equal(r.rest, '+OK next\r\n');
    assert.equal(r.done, true);
  });

  it('gives the same body wherever the chunks are cut (inside CRLF, after a dot)', () => {
    const wire = 'a\r\n..b\r\n.c\r\n\r\n...\r\n.\r\ntail';
    fc.assert(
      fc.property(fc.array(fc.nat(40), { maxLength: 8 }), (cuts) => {
        const r = decode(cut(wire, cuts));
        assert.equal(r.body, 'a\r\n.b\r\nc\r\n\r\n..\r\n');
        assert.equal(r.rest, 'tail');
      }),
    );
  });

  it('accepts a bare-LF terminator from a sloppy server', () => {
    assert.deepEqual(decode([Buffer.from('x\n.\n')]), { body: 'x\n', rest: '', done: true });
  });

  it('is not fooled by a dot that is not alone on its line, nor by a dot mid-line', () => {
    const r = decode([Buffer.from('a.\r\n.\rb\r\nend. \r\n')]);
    assert.equal(r.done, false);
    assert.equal(r.body, 'a.\r\n\rb\r\nend. \r\n');
  });

  it('a body cut off by a closed connection never reports done (bad termination)', () => {
    for (const wire of ['line\r\n', 'line\r\n.', 'line\r\n.\r', 'line\r\n. \r\n', 'line\r\n..\r\n']) {
      assert.equal(decode([Buffer.from(wire)]).done, false, JSON.stringify(wire));
    }
  });

  it('streams a line far longer than any buffer without gathering it', () => {
    const d = new MultilineDecoder();
    const chunk = Buffer.alloc(1 << 20, 0x41);
    let bytes = 0;
    for (let i = 0; i < 16; i++) for (const b of d.feed(chunk).data) bytes += b.length;
    assert.equal(bytes, 16 << 20);
    assert.equal(d.done, false);
  });

  it('never throws and never emits more bytes than it was given, on random input', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 10 }), (chunks) => {
        const d = new MultilineDecoder();
        let given = 0;
        let out = 0;
        for (const c of chunks) {
          given += c.length;
          const r = d.feed(Buffer.from(c));
          for (const b of r.data) out += b.length;
          if (r.endedAt !== undefined) assert.ok(r.endedAt <= c.length);
        }
        assert.ok(out <= given);
      }),
    );
  });
});

describe('ReplyLineBuffer', () => {
  it('joins a line split over chunks and answers where the next one starts', () => {
    const b = new ReplyLineBuffer(100);
    assert.equal(b.feed(Buffer.from('+OK hel')), undefined);
    assert.deepEqual(b.feed(Buffer.from('lo\r\n+OK')), { line: '+OK hello', next: 4 });
  });

  it('refuses an oversized line instead of buffering it, even when it never ends', () => {
    const b = new ReplyLineBuffer(512);
    assert.throws(() => {
      for (let i = 0; i < 100; i++) b.feed(Buffer.alloc(100, 0x41));
    }, Pop3ReplyError);
    assert.throws(() => new ReplyLineBuffer(10).feed(Buffer.from('+OK 0123456789X\r\n')), Pop3ReplyError);
    assert.deepEqual(new ReplyLineBuffer(10).feed(Buffer.from('+OK 012345\r\n')), { line: '+OK 012345', next: 12 });
  });
});

describe('status lines and listings', () => {
  it('reads +OK and -ERR and refuses anything else', () => {
    assert.deepEqual(parseStatusLine('+OK 2 messages'), { ok: true, text: '2 messages' });
    assert.deepEqual(parseStatusLine('-ERR [AUTH] no'), { ok: false, text: '[AUTH] no' });
    assert.deepEqual(parseStatusLine('+OK'), { ok: true, text: '' });
    for (const bad of ['', 'OK', '+OKAY', '* OK imap', '-ERROR', '+ok']) assert.throws(() => parseStatusLine(bad), Pop3ReplyError, bad);
  });

  it('STAT', () => {
    assert.deepEqual(parseStat('2 320'), { count: 2, size: 320 });
    for (const bad of ['', '2', 'x 1', '-1 2', '99999999999 1']) assert.throws(() => parseStat(bad), Pop3ReplyError, bad);
  });

  it('UIDL: ids of RFC 1939 §7 only, no message or id twice', () => {
    assert.deepEqual(parseUidlListing(['1 whqtswO00WBw418f9t5JxYwZ', '2 QhdPYR:00WBw1Ph7x7']), [
      { msg: 1, uid: 'whqtswO00WBw418f9t5JxYwZ' },
      { msg: 2, uid: 'QhdPYR:00WBw1Ph7x7' },
    ]);
    for (const bad of [['1'], ['1 a b'], ['x a'], ['0 a'], ['1 a', '1 b'], ['1 a', '2 a'], [`1 ${'x'.repeat(71)}`], ['1 caf\xe9']]) {
      assert.throws(() => parseUidlListing(bad), Pop3ReplyError, JSON.stringify(bad));
    }
  });

  it('LIST, CAPA and body lines', () => {
    assert.deepEqual([...parseListListing(['1 120', '2 200'])], [
      [1, 120],
      [2, 200],
    ]);
    assert.throws(() => parseListListing(['1 12 3']), Pop3ReplyError);
    const caps = parseCapa(['UIDL', 'stls', 'SASL PLAIN LOGIN']);
    assert.deepEqual([...caps.keys()], ['UIDL', 'STLS', 'SASL']);
    assert.deepEqual(caps.get('SASL'), ['PLAIN', 'LOGIN']);
    assert.deepEqual(bodyLines(Buffer.from('a\r\nb\nc\r\n')), ['a', 'b', 'c']);
  });
});
