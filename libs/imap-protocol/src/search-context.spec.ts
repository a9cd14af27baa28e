import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommand } from './command-parser.js';
import { ImapParseError } from './errors.js';
import { esearchResponse, esearchUpdateResponse } from './responses.js';
import { esortResponse } from './sort.js';

describe('CONTEXT=SEARCH / CONTEXT=SORT (RFC 5267): PARTIAL, UPDATE, CANCELUPDATE', () => {
  it('parses PARTIAL ranges either way round, with UPDATE and the other options', () => {
    const a = parseCommand(Buffer.from('t1 SEARCH RETURN (PARTIAL 4:2) ALL'));
    assert.ok(a.name === 'SEARCH');
    if (a.name !== 'SEARCH') return;
    assert.deepEqual([a.returning, a.partial], [['PARTIAL'], [2, 4]]);
    const b = parseCommand(Buffer.from('t2 UID SEARCH RETURN (update ALL count) OR SEEN SUBJECT s22'));
    assert.ok(b.name === 'SEARCH' && b.uid);
    if (b.name !== 'SEARCH') return;
    assert.deepEqual([b.returning, b.partial], [['UPDATE', 'ALL', 'COUNT'], undefined]);
    const c = parseCommand(Buffer.from('t3 SORT RETURN (PARTIAL 1:6) (REVERSE ARRIVAL) US-ASCII ALL'));
    assert.ok(c.name === 'SORT');
    if (c.name !== 'SORT') return;
    assert.deepEqual(c.partial, [1, 6]);
    const d = parseCommand(Buffer.from('t5 UID SORT RETURN (UPDATE COUNT) (DATE) UTF-8 UNDELETED'));
    assert.ok(d.name === 'SORT' && d.uid);
    if (d.name !== 'SORT') return;
    assert.deepEqual(d.returning, ['UPDATE', 'COUNT']);
    assert.deepEqual(parseCommand(Buffer.from('t4 CANCELUPDATE "t2" "a b"')), { tag: 't4', name: 'CANCELUPDATE', tags: ['t2', 'a b'] });
  });

  it('refuses broken ranges, repeats, SORT SAVE and hostile input', () => {
    const bad = [
      't SEARCH RETURN (PARTIAL 1) ALL',
      't SEARCH RETURN (PARTIAL 1:*) ALL',
      't SEARCH RETURN (PARTIAL *:1) ALL',
      't SEARCH RETURN (PARTIAL 0:3) ALL',
      't SEARCH RETURN (PARTIAL -1:-10) ALL',
      't SEARCH RETURN (PARTIAL) ALL',
      't SEARCH RETURN (PARTIAL 1:2 PARTIAL 3:4) ALL',
      't SEARCH RETURN (UPDATE UPDATE) ALL',
      't SEARCH RETURN (PARTIAL 1:99999999999999999999) ALL',
      't SORT RETURN (UPDATE UPDATE) (ARRIVAL) US-ASCII ALL',
      't SORT RETURN (SAVE) (ARRIVAL) US-ASCII ALL',
      't CANCELUPDATE',
      't CANCELUPDATE t2',
      't CANCELUPDATE "t2" ',
      't CANCELUPDATE ' + '"x" '.repeat(150).trim(),
      't CANCELUPDATE "unterminated',
    ];
    for (const line of bad) assert.throws(() => parseCommand(Buffer.from(line)), ImapParseError, line.slice(0, 60));
  });

  it('answers PARTIAL, ADDTO and REMOVEFROM byte for byte (imaptest search-partial, sort-partial, search-context-update)', () => {
    const numbers = [1, 2, 4, 5];
    const r = (partial: [number, number]) => esearchResponse({ tag: 't', uid: false, returning: ['PARTIAL'], numbers, partial });
    assert.equal(r([1, 3]), '* ESEARCH (TAG "t") PARTIAL (1:3 1:2,4)\r\n');
    assert.equal(r([2, 10]), '* ESEARCH (TAG "t") PARTIAL (2:10 2,4:5)\r\n');
    assert.equal(r([6, 6]), '* ESEARCH (TAG "t") PARTIAL (6:6 NIL)\r\n');
    assert.equal(esearchResponse({ tag: 't', uid: true, returning: ['COUNT', 'PARTIAL'], numbers: [], partial: [1, 1] }), '* ESEARCH (TAG "t") UID COUNT 0 PARTIAL (1:1 NIL)\r\n');
    assert.equal(esortResponse({ tag: 's', uid: false, returning: ['PARTIAL'], numbers: [5, 3, 4, 2, 1], partial: [1, 6] }), '* ESEARCH (TAG "s") PARTIAL (1:6 5,3:4,2,1)\r\n');
    assert.equal(esortResponse({ tag: 's', uid: false, returning: ['PARTIAL'], numbers: [5, 3, 4, 2, 1], partial: [2, 4] }), '* ESEARCH (TAG "s") PARTIAL (2:4 3:4,2)\r\n');
    assert.equal(esearchUpdateResponse('t2', false, 'ADDTO', 0, [1, 2, 4]), '* ESEARCH (TAG "t2") ADDTO (0 1:2,4)\r\n');
    assert.equal(esearchUpdateResponse('t2', true, 'REMOVEFROM', 0, [7]), '* ESEARCH (TAG "t2") UID REMOVEFROM (0 7)\r\n');
  });
});
