import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeTransfer } from './transfer-decoder.js';
import { findPart } from './find-part.js';
import { indexMessageBuffer } from './message-indexer.js';
import { reencodeNulParts } from './nul-reencode.js';

const bin = (...parts: Array<string | number[] | Buffer>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.isBuffer(p) ? p : Buffer.from(p))));

/** the decoded bytes of part `path` of a stored message, as BINARY[path] would send them */
function decoded(raw: Buffer, path: number[]): Buffer {
  const part = findPart(indexMessageBuffer(raw).body, path);
  assert.ok(part, `part ${path.join('.')} exists`);
  return Buffer.from(decodeTransfer(raw.subarray(part.bodyStart, part.bodyEnd), part.encoding));
}

function rewritten(raw: Buffer): Buffer {
  const r = reencodeNulParts(raw);
  assert.equal(r.kind, 'rewritten', JSON.stringify(r));
  const bytes = (r as { bytes: Buffer }).bytes;
  assert.equal(bytes.indexOf(0), -1, 'a NUL byte is left');
  return bytes;
}

describe('reencodeNulParts (RFC 3516 literal8 with NUL bytes)', () => {
  it('leaves a message without NUL alone, 8-bit bytes included', () => {
    assert.deepEqual(reencodeNulParts(bin('Subject: x\r\nContent-Transfer-Encoding: 8bit\r\n\r\n', [0xe4, 0xff, 0x01], '\r\n')), { kind: 'unchanged' });
  });

  it('a single-part binary message (imaptest append-binary): base64, BINARY[1] gives the sent bytes back', () => {
    const body = bin([0, 0x2d, 0xe4], '\r\n\r\n');
    const raw = bin('From: user@domain.org\r\nMime-Version: 1.0\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n', body);
    const out = rewritten(raw);
    const text = out.toString('latin1');
    assert.match(text, /^From: user@domain\.org\r\nMime-Version: 1\.0\r\nContent-Type: application\/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n/);
    assert.doesNotMatch(text, /binary/);
    assert.ok(text.endsWith('\r\n'));
    assert.deepEqual(decoded(out, [1]), body);
    assert.equal(indexMessageBuffer(out).body.encoding.toLowerCase(), 'base64');
  });

  it('only the multipart child with NUL changes; siblings, preamble and boundaries stay byte for byte', () => {
    const first = 'Content-Type: text/plain\r\n\r\nplain text\r\n';
    const nulBody = bin('a', [0], 'b', [0, 0], '\r\nline two\r\n');
    const raw = bin(
      'Subject: two parts\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\npreamble\r\n--b1\r\n',
      first,
      '--b1\r\nContent-Type: application/x-thing\r\nContent-Transfer-Encoding:\r\n  binary\r\nX-After: kept\r\n\r\n',
      nulBody,
      '\r\n--b1--\r\nepilogue\r\n',
    );
    const out = rewritten(raw);
    const text = out.toString('latin1');
    assert.ok(text.startsWith('Subject: two parts\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\npreamble\r\n--b1\r\n' + first + '--b1\r\n'));
    assert.ok(text.includes('Content-Type: application/x-thing\r\nX-After: kept\r\nContent-Transfer-Encoding: base64\r\n\r\n'), text);
    assert.ok(text.endsWith('\r\n--b1--\r\nepilogue\r\n'));
    assert.deepEqual(decoded(out, [2]), nulBody);
    assert.equal(decoded(out, [1]).toString(), 'plain text');
    assert.equal(indexMessageBuffer(out).body.parts?.length, 2);
  });

  it('a NUL inside a message/rfc822 part: the encapsulated leaf is re-encoded, the rfc822 wrapper stays', () => {
    const inner = bin('Subject: inner\r\nContent-Type: application/octet-stream\r\n\r\n', [1, 0, 2, 0xff]);
    const raw = bin('Subject: outer\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: binary\r\n\r\n', inner, '\r\n--x--\r\n');
    const out = rewritten(raw);
    assert.deepEqual(decoded(out, [1, 1]), Buffer.from([1, 0, 2, 0xff]));
    // the encapsulated header has no MIME-Version of its own added: only the top level gets one
    assert.match(out.toString('latin1'), /Subject: inner\r\nContent-Type: application\/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n/);
  });

  it('a message without MIME-Version gains one with the encoding; bare LF line ends are kept', () => {
    const raw = bin('Subject: lf\n\n', [0x41, 0, 0x42], '\n');
    const out = rewritten(raw);
    assert.equal(out.toString('latin1'), `Subject: lf\nMIME-Version: 1.0\nContent-Transfer-Encoding: base64\n\n${Buffer.from([0x41, 0, 0x42, 0x0a]).toString('base64')}\n`);
  });

  it('long bodies are cut into 76-character lines, and an empty-header child gets the field', () => {
    const big = Buffer.alloc(1000, 0);
    big[500] = 7;
    const raw = bin('Content-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\n\r\n', big, '\r\n--q--\r\n');
    const out = rewritten(raw);
    const lines = out.toString('latin1').split('\r\n');
    assert.ok(lines.every((l) => l.length <= 76));
    assert.deepEqual(decoded(out, [1]), big);
  });

  it('refuses what no encoding can carry: NUL in a header, in a boundary preamble, in a base64 or quoted-printable body', () => {
    assert.equal(reencodeNulParts(bin('Subject: a', [0], 'b\r\n\r\nbody\r\n')).kind, 'unfixable');
    assert.equal(reencodeNulParts(bin('Content-Type: multipart/mixed; boundary=b\r\n\r\npre', [0], '\r\n--b\r\n\r\nx\r\n--b--\r\n')).kind, 'unfixable');
    assert.equal(reencodeNulParts(bin('Content-Transfer-Encoding: base64\r\n\r\nQUJD', [0], '\r\n')).kind, 'unfixable');
    assert.equal(reencodeNulParts(bin('Content-Transfer-Encoding: quoted-printable\r\n\r\na=3D', [0], '\r\n')).kind, 'unfixable');
  });

  it('nasty shapes do not throw: NUL only, a header never ended, an unclosed multipart, a NUL right at the end', () => {
    for (const raw of [
      Buffer.from([0]),
      Buffer.from([0, 0, 0, 0x0d, 0x0a]),
      bin('Subject: x\r\nX: ', [0]),
      bin('Content-Type: multipart/mixed; boundary=z\r\n\r\n--z\r\n\r\n', [0, 0x0d, 0x0a], '--z'),
      bin('Subject: end\r\n\r\nbody', [0]),
    ]) {
      const r = reencodeNulParts(raw);
      assert.ok(r.kind === 'rewritten' || r.kind === 'unfixable', JSON.stringify(r));
      if (r.kind === 'rewritten') assert.equal(r.bytes.indexOf(0), -1);
    }
    const end = reencodeNulParts(bin('Subject: end\r\n\r\nbody', [0]));
    assert.equal(end.kind, 'rewritten');
  });
});
