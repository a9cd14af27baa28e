import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asciiCasemap, baseSubject } from './base-subject.js';

const base = (s: string | null) => baseSubject(s).base;

describe('baseSubject (RFC 5256 2.1)', () => {
  it('removes reply and forward leaders, trailers and blobs', () => {
    assert.deepEqual(baseSubject('Re: hello'), { base: 'hello', isReplyOrForward: true });
    assert.deepEqual(baseSubject('hello'), { base: 'hello', isReplyOrForward: false });
    assert.equal(base('RE: Re: re:hello'), 'hello');
    assert.equal(base('Fwd: hello'), 'hello');
    assert.equal(base('FW: hello'), 'hello');
    assert.equal(base('Re[2]: hello'), 'hello');
    assert.equal(base('Re [2]: hello'), 'hello');
    assert.equal(base('[PATCH] Re: hello'), 'hello');
    assert.equal(base('[list] [PATCH 2/3] hello'), 'hello');
    assert.equal(base('hello (fwd)'), 'hello');
    assert.equal(baseSubject('hello (FWD) (fwd)  ').isReplyOrForward, true);
    assert.equal(base('[Fwd: Re: hello]'), 'hello');
    assert.equal(base('[fwd: [fwd: hello]]'), 'hello');
    assert.equal(base('Re: [fwd: hello (fwd)]'), 'hello');
  });

  it('keeps a blob that is all there is, and text that only looks like a leader', () => {
    assert.equal(base('[PATCH]'), '[PATCH]');
    assert.equal(base('[a] [b]'), '[b]');
    assert.equal(base('Return of the king'), 'Return of the king');
    assert.equal(base('Re'), 'Re');
    assert.equal(base('Re:'), '');
    assert.equal(base('fw hello'), 'fw hello');
    assert.equal(base('[unclosed hello'), '[unclosed hello');
    assert.equal(base('[a[b] hello'), '[a[b] hello');
  });

  it('collapses white space and treats a missing subject as empty', () => {
    assert.equal(base('  Re:\t hello \r\n   world  '), 'hello world');
    assert.equal(base(null), '');
    assert.equal(base(''), '');
    assert.equal(base('   '), '');
  });

  it('stays linear on hostile subjects', () => {
    const n = 200_000;
    assert.equal(base('Re: '.repeat(n) + 'x'), 'x');
    assert.equal(base('[a]'.repeat(n)), '[a]');
    assert.equal(base('[a]'.repeat(n) + ' x'), 'x');
    assert.equal(base('['.repeat(n)), '['.repeat(n));
    assert.equal(base('[' + 'a'.repeat(n)), '[' + 'a'.repeat(n));
    assert.equal(base('x' + ' (fwd)'.repeat(n)), 'x');
    assert.equal(base('[fwd: '.repeat(n) + 'x' + ']'.repeat(n)), 'x');
    assert.equal(base('re[' + 'a'.repeat(n)), 're[' + 'a'.repeat(n));
  });

  it('maps ASCII letters only for i;ascii-casemap', () => {
    assert.equal(asciiCasemap('Hello wörld_z'), 'HELLO WöRLD_Z');
  });
});
