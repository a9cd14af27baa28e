import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTransferDecoder, DECODE_SLACK, type TransferDecoder } from './transfer-decoder.js';

/** one chunk decoded into memory of its own */
function decodeChunk(decoder: TransferDecoder, chunk: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(chunk.length + DECODE_SLACK);
  return out.subarray(0, decoder.decodeInto(chunk, out, 0));
}

function decodeIn(encoding: string, input: string, size: number): string {
  const d = createTransferDecoder(encoding);
  const bytes = Buffer.from(input, 'latin1');
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(decodeChunk(d, bytes.subarray(i, i + size)));
  out.push(d.end());
  return Buffer.concat(out).toString('latin1');
}

describe('transfer decoders', () => {
  for (const size of [1, 2, 3, 5, 1000]) {
    it(`decodes base64 in chunks of ${size}`, () => {
      const text = 'The quick brown fox jumps over the lazy dog!';
      const encoded = Buffer.from(text).toString('base64').replace(/(.{10})/g, '$1\r\n');
      assert.equal(decodeIn('base64', encoded, size), text);
      assert.equal(decodeIn('BASE64', 'Zm9v!!\r\nYmFy', size), 'foobar');
    });

    it(`decodes quoted-printable in chunks of ${size}`, () => {
      assert.equal(decodeIn('quoted-printable', 'caf=E9 =3D ok=\r\nsoft=  \r\nnext\r\nhard', size), 'caf\xe9 = oksoftnext\r\nhard');
      assert.equal(decodeIn('quoted-printable', 'bad =ZZ =4 =\t!x =', size), 'bad =ZZ =4 =\t!x ');
      assert.equal(decodeIn('quoted-printable', 'lower =e9=\nend', size), 'lower \xe9end');
    });

    it(`deletes trailing blanks of hard line breaks in chunks of ${size} (RFC 2045 6.7 rule 3)`, () => {
      // blanks before a hard break go, an encoded =20/=09 and blanks before a soft break stay
      assert.equal(decodeIn('quoted-printable', 'one  \r\ntwo\t \nthree=20\r\nfour =\r\n\r\nfive=09 \r\nsix \t', size), 'one\r\ntwo\nthree \r\nfour \r\nfive\t\r\nsix');
      // a lone CR is no line break; a blank line of a whole line's worth of blanks (76) is empty
      assert.equal(decodeIn('quoted-printable', 'a \rb  \r\r\n' + ' '.repeat(76) + '\r\nend\r', size), 'a \rb  \r\r\n\r\nend\r');
    });
  }

  it('passes 7bit/8bit/binary/unknown through', () => {
    assert.equal(decodeIn('8bit', 'a=E9', 2), 'a=E9');
    assert.equal(decodeIn('x-uuencode', 'abc', 1), 'abc');
  });

  it('does not recurse on long runs of broken escapes', () => {
    const input = '= x'.repeat(200_000);
    assert.equal(decodeIn('quoted-printable', input, 1 << 20).length, input.length);
  });
});
