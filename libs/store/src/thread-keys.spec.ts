import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { threadKey, threadKeys, threadLeaders } from './thread-keys.js';
import { ThreadIds, EmailIds } from './object-ids.js';

describe('thread keys (THREADID, ADR 0066)', () => {
  it('keys each id the message names under its casefolded base subject, its own id first', () => {
    const keys = threadKeys({ messageId: ' <m@x> (comment)', inReplyTo: '<p@x>', references: '<r@x>\r\n <p@x>', subject: 'Re: [list] FWD: Plan' });
    assert.deepEqual(keys, [threadKey('<m@x>', 'plan'), threadKey('<p@x>', 'plan'), threadKey('<r@x>', 'plan')]);
    assert.ok(keys.every((k) => /^-?\d+$/.test(k) && BigInt(k) >= -(2n ** 63n) && BigInt(k) < 2n ** 63n));
    // ids compare as written (RFC 5256), subjects do not
    assert.notEqual(threadKey('<M@x>', 'plan'), threadKey('<m@x>', 'plan'));
    assert.deepEqual(threadKeys({ messageId: '<m@x>', inReplyTo: null, references: null, subject: 'PLAN' }), [threadKey('<m@x>', 'plan')]);
  });

  it('names no key for a message without ids, and survives hostile headers', () => {
    assert.deepEqual(threadKeys({ messageId: null, inReplyTo: undefined, references: '', subject: null }), []);
    assert.deepEqual(threadKeys({ messageId: 'no brackets', inReplyTo: '<unclosed', references: '<<>> < > <a b>', subject: '\u0000\uFFFD' }), []);
    // a References header of 100,000 ids keeps the root and the nearest ancestors: 1 + 16 (+ own id)
    const refs = Array.from({ length: 100_000 }, (_, i) => `<r${i}@x>`).join(' ');
    const keys = threadKeys({ messageId: '<own@x>', inReplyTo: '<r99999@x>', references: refs, subject: 'Re: '.repeat(50_000) + 'x' });
    assert.equal(keys.length, 18);
    assert.ok(keys.includes(threadKey('<r0@x>', 'x')));
    assert.ok(!keys.includes(threadKey('<r1@x>', 'x')));
  });

  it('links the members of one statement that share a key, each to its group\'s first member', () => {
    assert.deepEqual(threadLeaders([]), []);
    assert.deepEqual(threadLeaders([['1'], ['2'], ['3', '1'], [], ['4', '2'], ['3']]), [1, 2, 1, 4, 2, 1]);
    // a later member joining two earlier groups puts them under the first one
    assert.deepEqual(threadLeaders([['a'], ['b'], ['c', 'b', 'a'], ['b']]), [1, 1, 1, 1]);
    // a long chain stays linear and ends on its first member
    const chain = Array.from({ length: 50_000 }, (_, i) => [String(i), String(i + 1)]).reverse();
    assert.ok(threadLeaders(chain).every((l) => l === 1));
  });

  it('enciphers thread numbers per owner with a key of their own', () => {
    const owner = randomUUID();
    const threads = new ThreadIds(owner);
    const id = threads.of(42);
    assert.match(id, /^T[0-9a-f]{32}$/);
    assert.equal(threads.threadOf(id), 42);
    assert.notEqual(id.slice(1), new EmailIds(owner).of(42).slice(1), 'a thread id does not show which message started it');
    assert.equal(new ThreadIds(randomUUID()).threadOf(id), null);
    assert.equal(threads.threadOf('M' + id.slice(1)), null);
    assert.equal(threads.threadOf('T' + 'z'.repeat(32)), null);
  });
});
