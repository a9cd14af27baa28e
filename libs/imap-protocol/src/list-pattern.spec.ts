import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ListPattern } from './list-pattern.js';

const match = (pattern: string, name: string) => new ListPattern(pattern).matches(name);

/** the obvious recursive definition, exponential but fine for the short inputs of the property test */
function reference(p: string, n: string): boolean {
  if (p === '') return n === '';
  const [c, rest] = [p[0], p.slice(1)];
  if (c === '*') return [...Array(n.length + 1).keys()].some((k) => reference(rest, n.slice(k)));
  if (c === '%') {
    for (let k = 0; k <= n.length; k++) {
      if (reference(rest, n.slice(k))) return true;
      if (n[k] === '/') return false;
    }
    return false;
  }
  return n[0] === c && reference(rest, n.slice(1));
}

describe('ListPattern', () => {
  it('matches RFC 3501 examples', () => {
    assert.ok(match('*', 'INBOX'));
    assert.ok(match('*', 'a/b/c'));
    assert.ok(match('%', 'Sent'));
    assert.ok(!match('%', 'a/b'));
    assert.ok(match('a/%', 'a/b'));
    assert.ok(!match('a/%', 'a/b/c'));
    assert.ok(match('a/*', 'a/b/c'));
    assert.ok(match('INBOX', 'INBOX'));
    assert.ok(!match('INBOX', 'INBOX/x'));
    assert.ok(match('', '') && !match('', 'x'));
    assert.ok(match('%/%', 'a/b') && !match('%/%', 'a'));
    assert.ok(match('a%b*c', 'axxb/yc') && !match('a%b*c', 'a/xb/yc'));
  });

  it('treats regular-expression syntax as literal characters', () => {
    assert.ok(match('a.b', 'a.b') && !match('a.b', 'axb'));
    assert.ok(match('(x|y)+', '(x|y)+') && !match('(x|y)+', 'x'));
    assert.ok(match('[a]\\', '[a]\\'));
    assert.ok(match('$^?', '$^?'));
  });

  it('answers the backtracking attack of issue 11 at once', () => {
    const name = 'R'.repeat(500);
    assert.equal(match('*R*R*R*R*R*X', name), false);
    assert.equal(match('*R*R*R*R*R*R', name), true);
    assert.equal(match('%R%R%R%R%R%R%R%R%R%X', name), false);
    assert.equal(match('*'.repeat(10_000) + 'R', name), true);
  });

  it('agrees with the reference definition on random input', () => {
    const alphabet = fc.constantFrom('a', 'b', '/', '*', '%');
    const nameChars = fc.constantFrom('a', 'b', '/');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 8 }), fc.array(nameChars, { maxLength: 10 }), (p, n) => {
        const pattern = p.join('');
        const name = n.join('');
        assert.equal(match(pattern, name), reference(pattern, name), `${pattern} vs ${name}`);
      }),
      { numRuns: 3000 },
    );
  });
});
