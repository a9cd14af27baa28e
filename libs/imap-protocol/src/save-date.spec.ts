import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommand } from './command-parser.js';
import { saveDateAttribute } from './save-date.js';

const criteria = (s: string) => (parseCommand(Buffer.from(s)) as { criteria: unknown }).criteria;

describe('SAVEDATE (RFC 8514), byte for byte', () => {
  it('the FETCH attribute, as the RFC 4.1 example writes it (in UTC here)', () => {
    assert.equal(saveDateAttribute(new Date('2015-03-07T14:36:05Z')), 'SAVEDATE "07-Mar-2015 14:36:05 +0000"');
    assert.equal(saveDateAttribute(null), 'SAVEDATE NIL');
  });

  it('parses the FETCH item and the SEARCH keys of RFC 8514 4.2', () => {
    assert.deepEqual((parseCommand(Buffer.from('a FETCH 1 (SAVEDATE INTERNALDATE)')) as { items: unknown }).items, [{ kind: 'SAVEDATE' }, { kind: 'INTERNALDATE' }]);
    assert.deepEqual(criteria('a SEARCH SAVEDBEFORE 1-Feb-2024'), { op: 'savedate', cmp: 'before', date: '2024-02-01' });
    assert.deepEqual(criteria('a SEARCH SAVEDON "7-Mar-2015"'), { op: 'savedate', cmp: 'on', date: '2015-03-07' });
    assert.deepEqual(criteria('a UID SEARCH SAVEDSINCE 29-Feb-2024'), { op: 'savedate', cmp: 'since', date: '2024-02-29' });
    assert.deepEqual(criteria('a SEARCH SAVEDATESUPPORTED'), { op: 'all' });
    assert.deepEqual(criteria('a SEARCH NOT SAVEDATESUPPORTED'), { op: 'not', of: { op: 'all' } });
    assert.throws(() => parseCommand(Buffer.from('a SEARCH SAVEDON 31-Feb-2024')));
  });
});
