import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCommand } from './command-parser.js';
import { ImapParseError } from './errors.js';

const parse = (line: string) => parseCommand(Buffer.from(line));
const bad = (line: string) => assert.throws(() => parse(line), ImapParseError, line);

describe('SORT / THREAD / QUOTA / LIST-EXTENDED parsing', () => {
  it('reads SORT and UID SORT (RFC 5256 examples)', () => {
    assert.deepEqual(parse('A282 SORT (SUBJECT) UTF-8 SINCE 1-Feb-1994'), {
      tag: 'A282',
      name: 'SORT',
      uid: false,
      criteria: [{ key: 'SUBJECT', reverse: false }],
      charset: 'UTF-8',
      search: { op: 'internaldate', cmp: 'since', date: '1994-02-01' },
      returning: null,
    });
    const cmd = parse('A283 UID SORT (REVERSE DATE displayfrom) us-ascii ALL');
    assert.equal(cmd.name === 'SORT' && cmd.uid, true);
    assert.deepEqual(cmd.name === 'SORT' && cmd.criteria, [
      { key: 'DATE', reverse: true },
      { key: 'DISPLAYFROM', reverse: false },
    ]);
    for (const line of ['a SORT SUBJECT UTF-8 ALL', 'a SORT () UTF-8 ALL', 'a SORT (REVERSE) UTF-8 ALL', 'a SORT (SUBJECT) UTF-8', 'a SORT (X) UTF-8 ALL', `a SORT (${'DATE '.repeat(30)}SIZE) UTF-8 ALL`]) bad(line);
  });

  it('reads THREAD with its algorithm', () => {
    const cmd = parse('A283 THREAD REFERENCES UTF-8 SINCE 5-MAR-2000');
    assert.equal(cmd.name === 'THREAD' && cmd.algorithm, 'REFERENCES');
    assert.equal(parse('a UID THREAD orderedsubject UTF-8 ALL').name, 'THREAD');
    bad('a THREAD X UTF-8 ALL');
    bad('a THREAD REFERENCES');
  });

  it('reads the QUOTA commands (RFC 9208)', () => {
    assert.deepEqual(parse('G GETQUOTAROOT INBOX'), { tag: 'G', name: 'GETQUOTAROOT', mailbox: 'INBOX' });
    assert.deepEqual(parse('G GETQUOTA ""'), { tag: 'G', name: 'GETQUOTA', root: '' });
    assert.deepEqual(parse('S SETQUOTA "" (STORAGE 512 message 10)'), { tag: 'S', name: 'SETQUOTA', root: '', limits: [['STORAGE', 512], ['MESSAGE', 10]] });
    bad('S SETQUOTA "" (STORAGE)');
    bad('S SETQUOTA ""');
  });

  it('reads LIST selection options and several patterns (RFC 5258)', () => {
    const cmd = parse('A02 LIST (SUBSCRIBED RECURSIVEMATCH) "" ("INBOX" "Fruit/%") RETURN (CHILDREN)');
    assert.ok(cmd.name === 'LIST');
    assert.deepEqual(cmd.select, { subscribed: true, remote: false, recursiveMatch: true, specialUse: false });
    assert.deepEqual(cmd.patterns, ['INBOX', 'Fruit/%']);
    assert.equal(cmd.returning.subscribed, true);
    const plain = parse('A03 LIST "" *');
    assert.ok(plain.name === 'LIST');
    assert.deepEqual(plain.patterns, ['*']);
    assert.equal(plain.returning.subscribed, false);
    assert.ok(parse('a LIST () "" ""').name === 'LIST');
    for (const line of ['a LIST (RECURSIVEMATCH) "" *', 'a LIST (REMOTE RECURSIVEMATCH) "" *', 'a LIST (X) "" *', 'a LIST "" ()', `a LIST "" (${'a '.repeat(60)}b)`, 'a LSUB (SUBSCRIBED) "" *']) bad(line);
  });

  it('reads BINARY, BINARY.PEEK and BINARY.SIZE fetch items (RFC 3516)', () => {
    const cmd = parse('a FETCH 1 (BINARY[1.2] BINARY.PEEK[]<0.10> BINARY.SIZE[3])');
    assert.ok(cmd.name === 'FETCH');
    assert.deepEqual(cmd.items, [
      { kind: 'BODY[]', peek: false, section: { part: [1, 2], text: null, fields: [] }, partial: null, binary: 'content' },
      { kind: 'BODY[]', peek: true, section: { part: [], text: null, fields: [] }, partial: { start: 0, length: 10 }, binary: 'content' },
      { kind: 'BODY[]', peek: true, section: { part: [3], text: null, fields: [] }, partial: null, binary: 'size' },
    ]);
    for (const line of ['a FETCH 1 BINARY[HEADER]', 'a FETCH 1 BINARY[1.MIME]', 'a FETCH 1 BINARY.SIZE[1]<0.1>', 'a FETCH 1 BINARY']) bad(line);
  });
});
