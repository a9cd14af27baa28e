import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TextSink } from './text-sink.js';

/** feeds `body` to a sink line by line, terminators apart, as the scanner does */
function sinkText(encoding: string, body: string, limit: number, html = false): string {
  const sink = new TextSink(encoding, 'utf-8', html, limit);
  for (const line of body.split(/(?<=\n)/)) {
    const bare = line.replace(/\r?\n$/, '');
    sink.write(Buffer.from(bare, 'latin1'));
    if (bare.length < line.length) sink.write(Buffer.from(line.slice(bare.length), 'latin1'));
  }
  return sink.finish();
}

describe('TextSink', () => {
  const words = Array.from({ length: 3000 }, (_, i) => `word${i}`).join(' ');

  it('keeps a quoted-printable body whole across many lines and buffer growth', () => {
    const qp = words.replace(/(.{70})/g, '$1=\r\n') + ' caf=C3=A9';
    assert.equal(sinkText('quoted-printable', qp, 1 << 20), `${words} café`);
  });

  it('keeps a base64 body whole across lines and growth', () => {
    const b64 = Buffer.from(words).toString('base64').replace(/(.{76})/g, '$1\r\n');
    assert.equal(sinkText('base64', b64, 1 << 20), words);
  });

  it('keeps no more than its limit, even when a line overshoots it', () => {
    assert.equal(sinkText('7bit', words, 100), words.slice(0, 100));
    assert.equal(sinkText('7bit', `${'x'.repeat(99)}\r\n${'y'.repeat(5000)}`, 100), `${'x'.repeat(99)}\r`);
    const qp = words.replace(/(.{70})/g, '$1=\r\n');
    assert.equal(sinkText('quoted-printable', qp, 5000), words.slice(0, 5000));
  });

  it('flushes what the decoder still holds at the end, within the limit', () => {
    assert.equal(sinkText('quoted-printable', 'abc=4', 10), 'abc=4');
    assert.equal(sinkText('quoted-printable', 'abc=4', 4), 'abc=');
  });

  it('gives nothing for an empty part', () => {
    assert.equal(sinkText('base64', '', 100), '');
  });
});
