import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommand } from './command-parser.js';
import { ImapParseError } from './errors.js';
import { isObjectId, mailboxIdCode, objectIdAttribute } from './object-ids.js';
import { selectResponses, statusResponse } from './responses.js';

const parse = (s: string) => parseCommand(Buffer.from(s));

describe('OBJECTID (RFC 8474), byte for byte', () => {
  it('the objectid form: 1 to 255 of ALPHA / DIGIT / "_" / "-"', () => {
    assert.ok(isObjectId('F2212ea87-6097-4256-9d51-71338625'));
    assert.ok(isObjectId('M6d99ac3275bb4e'));
    assert.ok(isObjectId('a'.repeat(255)));
    assert.ok(!isObjectId(''));
    assert.ok(!isObjectId('a'.repeat(256)));
    assert.ok(!isObjectId('M6d9+ac'));
    assert.ok(!isObjectId('M6d9 ac'));
  });

  it('CREATE and SELECT response code, STATUS item (RFC 8474 4.1-4.3 examples)', () => {
    assert.equal(mailboxIdCode('F2212ea87-6097-4256-9d51-71338625'), 'MAILBOXID (F2212ea87-6097-4256-9d51-71338625)');
    assert.equal(
      statusResponse('foo', [['MAILBOXID', { objectId: 'F2212ea87-6097-4256-9d51-71338625' }]]),
      '* STATUS foo (MAILBOXID (F2212ea87-6097-4256-9d51-71338625))\r\n',
    );
    assert.equal(statusResponse('foo', [['MESSAGES', 2], ['MAILBOXID', { objectId: 'Fx' }], ['UIDNEXT', 7]]), '* STATUS foo (MESSAGES 2 MAILBOXID (Fx) UIDNEXT 7)\r\n');
    assert.equal(
      selectResponses({ keywords: [], readOnly: false, exists: 1, recent: null, firstUnseen: null, uidValidity: 9, uidNext: 2, highestModseq: 3, mailboxId: 'F2212ea87-6097-4256-9d51-71338625' }),
      '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n' +
        '* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted\r\n' +
        '* 1 EXISTS\r\n' +
        '* OK [UIDVALIDITY 9] UIDs valid\r\n' +
        '* OK [UIDNEXT 2] Predicted next UID\r\n' +
        '* OK [HIGHESTMODSEQ 3] Highest\r\n' +
        '* OK [MAILBOXID (F2212ea87-6097-4256-9d51-71338625)] Ok\r\n',
    );
    assert.throws(() => mailboxIdCode('a b'));
  });

  it('FETCH EMAILID and THREADID, THREADID NIL without threads (RFC 8474 5.1, 5.2, 7)', () => {
    assert.equal(objectIdAttribute('EMAILID', 'M6d99ac3275bb4e'), 'EMAILID (M6d99ac3275bb4e)');
    assert.equal(objectIdAttribute('THREADID', 'T64b478a75b7ea9'), 'THREADID (T64b478a75b7ea9)');
    assert.equal(objectIdAttribute('THREADID', null), 'THREADID NIL');
  });

  it('parses the FETCH items, the STATUS item and the SEARCH keys', () => {
    assert.deepEqual((parse('a FETCH 1:* (EMAILID THREADID)') as { items: unknown }).items, [{ kind: 'EMAILID' }, { kind: 'THREADID' }]);
    assert.deepEqual((parse('a STATUS foo (MAILBOXID MESSAGES)') as { items: unknown }).items, ['MAILBOXID', 'MESSAGES']);
    assert.deepEqual((parse('a SEARCH EMAILID M6d99ac3275bb4e') as { criteria: unknown }).criteria, { op: 'emailid', id: 'M6d99ac3275bb4e' });
    assert.deepEqual((parse('a UID SEARCH THREADID T64b478a75b7ea9 SEEN') as { criteria: unknown }).criteria, {
      op: 'and',
      of: [
        { op: 'threadid', id: 'T64b478a75b7ea9' },
        { op: 'flag', flag: '\\Seen', set: true },
      ],
    });
    assert.throws(() => parse('a SEARCH EMAILID "M6d9+9"'), ImapParseError);
    assert.throws(() => parse('a SEARCH EMAILID'), ImapParseError);
  });
});
