import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseEnvid, parseNotify, parseOrcpt, parseRet } from './dsn-params.js';

const value = <T>(p: { ok: true; value: T } | { ok: false; error: string }) => (p.ok ? p.value : undefined);

describe('DSN parameters (RFC 3461)', () => {
  it('reads the RFC 3461 examples', () => {
    // §6.2 and §6.3 of RFC 3461
    assert.equal(value(parseEnvid('QQ314159')), 'QQ314159');
    assert.equal(value(parseRet('HDRS')), 'HDRS');
    assert.deepEqual(value(parseNotify('SUCCESS,FAILURE')), ['SUCCESS', 'FAILURE']);
    assert.equal(value(parseOrcpt('rfc822;Bob@Big-Box.Example.COM')), 'rfc822;Bob@Big-Box.Example.COM');
    assert.equal(value(parseOrcpt('rfc822;"a b"@x.example')), 'rfc822;"a b"@x.example');
  });

  it('refuses nasty values', () => {
    assert.equal(parseRet('full').ok, true);
    for (const v of ['FUL', '', true, undefined, 'FULL,HDRS']) assert.equal(parseRet(v).ok, false, String(v));
    for (const v of ['NEVER,SUCCESS', 'SUCCESS,SUCCESS', 'ALWAYS', '', ',', 'SUCCESS,', true]) assert.equal(parseNotify(v).ok, false, String(v));
    for (const v of ['x'.repeat(101), '', 'a\nb', true, '\x7f', 'é']) assert.equal(parseEnvid(v).ok, false, String(v));
    for (const v of ['rfc822', ';a@b', 'rfc 822;a@b', 'rfc822;', 'rfc822;a\r\n@b', `rfc822;${'a'.repeat(600)}@b`, 'rfc822;é@b', 'utf-8;a\u0085b@c']) {
      assert.equal(parseOrcpt(v).ok, false, v);
    }
  });

  it('takes UTF-8 in an ORCPT of type utf-8 (RFC 6533) only', () => {
    assert.equal(value(parseOrcpt('utf-8;δοκιμή@παράδειγμα.example')), 'utf-8;δοκιμή@παράδειγμα.example');
    assert.equal(parseOrcpt('rfc822;δοκιμή@example').ok, false);
  });

  it('never throws and never lets a control character through, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        for (const p of [parseEnvid(s), parseOrcpt(s), parseNotify(s), parseRet(s)]) {
          // eslint-disable-next-line no-control-regex
          if (p.ok && typeof p.value === 'string') assert.doesNotMatch(p.value, /[\x00-\x1f\x7f]/);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
