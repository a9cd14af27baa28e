import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asciiCasemap, baseSubject } from './base-subject.js';
import { parseMessageIds, threadOrderedSubject, threadReferences, threadResponse, type ThreadMessage } from './thread.js';

let clock = 0;
function msg(id: number, subject: string, messageId: string | null, refs: string | null = null, date?: number): ThreadMessage {
  const b = baseSubject(subject);
  return {
    id,
    order: id,
    date: date ?? ++clock,
    subject: asciiCasemap(b.base),
    isReplyOrForward: b.isReplyOrForward,
    messageId: messageId ? parseMessageIds(messageId)[0] ?? null : null,
    references: parseMessageIds(refs),
  };
}

describe('parseMessageIds', () => {
  it('reads ids in order, as written, skipping junk', () => {
    assert.deepEqual(parseMessageIds('<A@b> junk <c@d>(comment) <bad id> <> <e@f>'), ['<A@b>', '<c@d>', '<e@f>']);
    assert.deepEqual(parseMessageIds(null), []);
    assert.deepEqual(parseMessageIds('<<<<x@y>'), ['<x@y>']);
    assert.equal(parseMessageIds('<a@b> '.repeat(5000)).length, 1000);
  });
});

describe('threadReferences: message ids compare case-sensitively (RFC 5256 3)', () => {
  it('keeps ids that differ only in case apart', () => {
    const threads = threadReferences([
      msg(1, 'Upper', '<Case@example>'),
      msg(2, 'Lower', '<case@example>'),
      msg(3, 'Re: Upper', '<reply@example>', '<Case@example>'),
      msg(4, 'Re: Lower', '<reply2@example>', '<case@example>'),
    ]);
    assert.equal(threadResponse(threads), '* THREAD (1 3)(2 4)\r\n');
  });

  it('matches the lowercased references of a message indexed before their case was kept, either order', () => {
    const folded = (m: ThreadMessage): ThreadMessage => ({ ...m, references: m.references.map((r) => r.toLowerCase()), referencesFolded: true });
    // the reply comes first in the mailbox, so its reference makes the container the id then takes
    const before = threadReferences([folded(msg(1, 'Re: Hello', '<r@x>', '<Root@X>')), msg(2, 'Hello', '<Root@X>')]);
    assert.equal(threadResponse(before), '* THREAD (2 1)\r\n');
    const after = threadReferences([msg(1, 'Hello', '<Root@X>'), folded(msg(2, 'Re: Hello', '<r@x>', '<Root@X>'))]);
    assert.equal(threadResponse(after), '* THREAD (1 2)\r\n');
  });
});

describe('threadResponse (RFC 5256 4)', () => {
  it('writes chains inline and siblings nested', () => {
    assert.equal(threadResponse([]), '* THREAD\r\n');
    assert.equal(
      threadResponse([
        { id: 2, children: [] },
        {
          id: 3,
          children: [
            {
              id: 6,
              children: [
                { id: 4, children: [{ id: 23, children: [] }] },
                { id: 44, children: [{ id: 7, children: [{ id: 96, children: [] }] }] },
              ],
            },
          ],
        },
      ]),
      '* THREAD (2)(3 6 (4 23)(44 7 96))\r\n',
    );
    assert.equal(threadResponse([{ id: null, children: [{ id: 3, children: [] }, { id: 5, children: [] }] }]), '* THREAD ((3)(5))\r\n');
  });

  it('writes a chain of 100,000 without recursion', () => {
    let node = { id: 100_000, children: [] as { id: number; children: never[] }[] };
    for (let i = 99_999; i >= 1; i--) node = { id: i, children: [node as never] };
    const text = threadResponse([node]);
    assert.ok(text.startsWith('* THREAD (1 2 3 '));
    assert.ok(text.endsWith(' 99999 100000)\r\n'));
  });
});

describe('ORDEREDSUBJECT', () => {
  it('groups by base subject, first message the parent, threads by date', () => {
    const threads = threadOrderedSubject([
      msg(1, 'B', null, null, 10),
      msg(2, 'Re: A', null, null, 5),
      msg(3, 'A', null, null, 1),
      msg(4, 're: b', null, null, 20),
      msg(5, 'A', null, null, 30),
      msg(6, 'C', null, null, 7),
    ]);
    assert.equal(threadResponse(threads), '* THREAD (3 (2)(5))(6)(1 4)\r\n');
  });
});

describe('REFERENCES', () => {
  it('links by References and In-Reply-To, orders siblings by date', () => {
    const threads = threadReferences([
      msg(1, 'a', '<1@x>'),
      msg(2, 'Re: a', '<2@x>', '<1@x>'),
      msg(3, 'Re: a', '<3@x>', '<1@x>'),
      msg(4, 'Re: a', '<4@x>', '<1@x> <2@x>'),
      msg(5, 'other', '<5@x>'),
    ]);
    assert.equal(threadResponse(threads), '* THREAD (1 (2 4)(3))(5)\r\n');
  });

  it('holds children of a missing parent under a dummy', () => {
    const threads = threadReferences([msg(1, 'x', '<1@x>', '<gone@x>'), msg(2, 'y', '<2@x>', '<gone@x>')]);
    assert.equal(threadResponse(threads), '* THREAD ((1)(2))\r\n');
    // one child of a missing parent is promoted to the root
    assert.equal(threadResponse(threadReferences([msg(1, 'x', '<1@x>', '<gone@x>')])), '* THREAD (1)\r\n');
  });

  it('gathers threads with the same base subject', () => {
    // no headers link them; "Re: hello" goes under "hello"
    const threads = threadReferences([msg(1, 'hello', '<1@x>'), msg(2, 'Re: hello', '<2@x>'), msg(3, 'other', '<3@x>')]);
    assert.equal(threadResponse(threads), '* THREAD (1 2)(3)\r\n');
    // two originals with one subject: siblings under a dummy
    assert.equal(threadResponse(threadReferences([msg(1, 'same', '<1@x>'), msg(2, 'same', '<2@x>')])), '* THREAD ((1)(2))\r\n');
  });

  it('survives reference loops, self references, duplicates and missing ids', () => {
    const threads = threadReferences([
      msg(1, 'a', '<1@x>', '<2@x>'),
      msg(2, 'b', '<2@x>', '<1@x>'),
      msg(3, 'c', '<3@x>', '<3@x>'),
      msg(4, 'd', '<1@x>'), // duplicate id
      msg(5, 'e', null, '<5@x> <5@x>'),
    ]);
    const text = threadResponse(threads);
    const shown = text.trim().slice('* THREAD '.length).replace(/[()]/g, ' ').split(' ').filter(Boolean).sort();
    assert.deepEqual(shown, ['1', '2', '3', '4', '5'], text);
  });

  it("drops a message's implied parent when its own last reference would make a loop (1B)", () => {
    // 2 says <p> then <r> then itself, so <r> hangs under <p>; 3 is <r> and names <q> (2) as its
    // parent, which would loop: <r> loses the parent 2 implied and stays a root with 2 below it
    const threads = threadReferences([
      msg(1, 'one', '<p@x>', null, 30),
      msg(2, 'two', '<q@x>', '<p@x> <r@x>', 10),
      msg(3, 'three', '<r@x>', '<q@x>', 20),
    ]);
    assert.equal(threadResponse(threads), '* THREAD (3 2)(1)\r\n');
  });

  it('handles a 20,000-message reply chain with long References lists', () => {
    const n = 20_000;
    const messages: ThreadMessage[] = [];
    const ids: string[] = [];
    for (let i = 1; i <= n; i++) {
      const refs = ids.slice(-50).join(' ');
      messages.push(msg(i, 'Re: long', `<${i}@x>`, refs || null));
      ids.push(`<${i}@x>`);
    }
    const text = threadResponse(threadReferences(messages));
    assert.ok(text.startsWith('* THREAD (1 2 3 4 '));
    assert.equal(text.split(' ').length, n + 2); // '*', 'THREAD' and one chain of n
  });
});
