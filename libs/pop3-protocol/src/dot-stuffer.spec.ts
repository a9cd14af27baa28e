import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { DotStuffer, DotStuffTransform } from './dot-stuffer.js';
import { TopLimiter, TopTransform } from './top-limiter.js';

/** The obvious, slow definition, to compare the incremental one against. */
function reference(input: Buffer): Buffer {
  const text = input.toString('latin1').replace(/\r?\n/g, '\r\n');
  const lines = text.split('\r\n');
  const last = lines.pop()!;
  let out = lines.map((l) => (l.startsWith('.') ? `.${l}` : l) + '\r\n').join('');
  if (last !== '') out += (last.startsWith('.') ? `.${last}` : last) + (last.endsWith('\r') ? '\n' : '\r\n');
  return Buffer.from(`${out}.\r\n`, 'latin1');
}

function stuffInChunks(input: Buffer, sizes: () => number): Buffer {
  const s = new DotStuffer();
  const out: Buffer[] = [];
  for (let i = 0; i < input.length; ) {
    const n = Math.max(1, sizes());
    out.push(s.push(input.subarray(i, i + n)));
    i += n;
  }
  out.push(s.end());
  return Buffer.concat(out);
}

function randomMessage(): Buffer {
  const alphabet = ['.', '.', '\r', '\n', '\r\n', 'a', 'bc', ' ', '\0', '..', '\r\n.\r\n'];
  let s = '';
  const n = Math.floor(Math.random() * 60);
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
  return Buffer.from(s, 'latin1');
}

describe('DotStuffer', () => {
  it('stuffs leading dots, normalises bare LF and terminates', () => {
    const out = stuffInChunks(Buffer.from('.hidden\r\nline\n..two\n.\r\nend'), () => 1000);
    assert.equal(out.toString(), '..hidden\r\nline\r\n...two\r\n..\r\nend\r\n.\r\n');
  });

  it('handles empty messages, a trailing CRLF and a trailing bare CR', () => {
    assert.equal(stuffInChunks(Buffer.alloc(0), () => 1).toString(), '.\r\n');
    assert.equal(stuffInChunks(Buffer.from('a\r\n'), () => 1).toString(), 'a\r\n.\r\n');
    assert.equal(stuffInChunks(Buffer.from('a\r'), () => 1).toString(), 'a\r\n.\r\n');
    assert.equal(stuffInChunks(Buffer.from('.'), () => 1).toString(), '..\r\n.\r\n');
  });

  it('gives the same bytes however the input is split (random messages, random chunking)', () => {
    for (let i = 0; i < 3000; i++) {
      const msg = randomMessage();
      const expected = reference(msg);
      assert.deepEqual(stuffInChunks(msg, () => 1 + Math.floor(Math.random() * 5)), expected, JSON.stringify(msg.toString('latin1')));
      assert.deepEqual(stuffInChunks(msg, () => 1000), expected);
    }
  });

  it('returns the chunk itself when nothing changes', () => {
    const s = new DotStuffer();
    const chunk = Buffer.from('abc\r\ndef\r\n');
    assert.equal(s.push(chunk), chunk);
  });

  it('works as a Transform', async () => {
    const chunks: Buffer[] = [];
    for await (const c of Readable.from([Buffer.from('.a\n'), Buffer.from('b')]).pipe(new DotStuffTransform())) chunks.push(c);
    assert.equal(Buffer.concat(chunks).toString(), '..a\r\nb\r\n.\r\n');
  });
});

describe('TopLimiter', () => {
  const message = 'Subject: x\r\nFrom: a@b\r\n\r\nline1\r\nline2\nline3\r\n';
  function top(input: string, n: number, chunk: number): { text: string; done: boolean } {
    const t = new TopLimiter(n);
    const out: Buffer[] = [];
    const buf = Buffer.from(input);
    let done = false;
    for (let i = 0; i < buf.length && !done; i += chunk) {
      const r = t.push(buf.subarray(i, i + chunk));
      out.push(r.out);
      done = r.done;
    }
    return { text: Buffer.concat(out).toString(), done };
  }

  it('passes header, blank line and n body lines for any chunking', () => {
    for (const chunk of [1, 2, 3, 7, 1000]) {
      assert.deepEqual(top(message, 0, chunk), { text: 'Subject: x\r\nFrom: a@b\r\n\r\n', done: true });
      assert.deepEqual(top(message, 1, chunk), { text: 'Subject: x\r\nFrom: a@b\r\n\r\nline1\r\n', done: true });
      assert.deepEqual(top(message, 2, chunk), { text: 'Subject: x\r\nFrom: a@b\r\n\r\nline1\r\nline2\n', done: true });
      assert.deepEqual(top(message, 10, chunk).text, message);
      assert.deepEqual(top('A: b\nC: d\n\nbody\n', 0, chunk), { text: 'A: b\nC: d\n\n', done: true });
      assert.equal(top('A: b\r\nno blank line', 0, chunk).text, 'A: b\r\nno blank line');
    }
  });

  it('does not mistake a bare CR line for the blank line', () => {
    assert.equal(top('A: b\r\n\r\r\nC: d\r\n\r\nbody\r\n', 0, 1).text, 'A: b\r\n\r\r\nC: d\r\n\r\n');
  });

  it('works as a Transform', async () => {
    const chunks: Buffer[] = [];
    for await (const c of Readable.from([Buffer.from(message)]).pipe(new TopTransform(1))) chunks.push(c);
    assert.equal(Buffer.concat(chunks).toString(), 'Subject: x\r\nFrom: a@b\r\n\r\nline1\r\n');
  });
});
