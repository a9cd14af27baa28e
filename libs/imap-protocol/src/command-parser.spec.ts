import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCommand } from './command-parser.js';
import { ImapParseError } from './errors.js';

const parse = (s: string) => parseCommand(Buffer.from(s));

function bad(s: string, tag: string | null = 'a1'): void {
  assert.throws(
    () => parse(s),
    (err: unknown) => err instanceof ImapParseError && err.tag === tag,
    s,
  );
}

describe('parseCommand', () => {
  it('reads simple commands case-insensitively', () => {
    assert.deepEqual(parse('a1 capability'), { tag: 'a1', name: 'CAPABILITY' });
    assert.deepEqual(parse('x.y NOOP'), { tag: 'x.y', name: 'NOOP' });
    assert.deepEqual(parse('t IDLE'), { tag: 't', name: 'IDLE' });
    assert.deepEqual(parse('t EXPUNGE'), { tag: 't', name: 'EXPUNGE', uid: false, sequence: null });
  });

  it('reads CREATE with and without a special use (RFC 6154 3)', () => {
    assert.deepEqual(parse('a1 CREATE Stuff'), { tag: 'a1', name: 'CREATE', mailbox: 'Stuff', use: [] });
    assert.deepEqual(parse('a1 CREATE MySpecialArchive (USE (\\Archive))'), { tag: 'a1', name: 'CREATE', mailbox: 'MySpecialArchive', use: ['\\Archive'] });
    bad('a1 CREATE x (FOO (\\Archive))');
    bad('a1 CREATE x (USE \\Archive)');
  });

  it('reads SEARCH RETURN options (RFC 4731)', () => {
    const all = { op: 'all' };
    assert.deepEqual(parse('a SEARCH RETURN (MIN COUNT) ALL'), { tag: 'a', name: 'SEARCH', uid: false, charset: null, criteria: all, returning: ['MIN', 'COUNT'] });
    assert.deepEqual(parse('a UID SEARCH RETURN () ALL'), { tag: 'a', name: 'SEARCH', uid: true, charset: null, criteria: all, returning: ['ALL'] });
    assert.equal((parse('a SEARCH ALL') as { returning: unknown }).returning, null);
    bad('a SEARCH RETURN (BOGUS) ALL', 'a');
    bad('a SEARCH RETURN MIN ALL', 'a');
  });

  it('reads ESORT: SORT RETURN options (RFC 5267), RETURN () as ALL, no SAVE', () => {
    assert.deepEqual((parse('a SORT RETURN (MIN COUNT) (DATE) UTF-8 ALL') as { returning: unknown }).returning, ['MIN', 'COUNT']);
    assert.deepEqual((parse('a UID SORT RETURN () (DATE) UTF-8 ALL') as { returning: unknown }).returning, ['ALL']);
    assert.equal((parse('a SORT (DATE) UTF-8 ALL') as { returning: unknown }).returning, null);
    bad('a SORT RETURN (SAVE) (DATE) UTF-8 ALL', 'a');
  });

  it('reads SEARCHRES: RETURN (SAVE) and `$` wherever a sequence set goes (RFC 5182)', () => {
    assert.deepEqual((parse('a SEARCH RETURN (SAVE) FLAGGED') as { returning: unknown }).returning, ['SAVE']);
    const fetch = parse('a FETCH $ (FLAGS)') as { sequence: { saved?: boolean; length: number } };
    assert.equal(fetch.sequence.saved, true);
    assert.equal(fetch.sequence.length, 0);
    assert.equal((parse('a UID COPY $ Trash') as { sequence: { saved?: boolean } }).sequence.saved, true);
    const search = parse('a SEARCH $ SMALLER 10') as unknown as { criteria: { of: Array<{ op: string; set?: { saved?: boolean } }> } };
    assert.equal(search.criteria.of[0]!.op, 'seq');
    assert.equal(search.criteria.of[0]!.set!.saved, true);
    const uidKey = parse('a SEARCH UID $') as unknown as { criteria: { op: string; set: { saved?: boolean } } };
    assert.equal(uidKey.criteria.set.saved, true);
    // `$` is a whole set: not a range end, not mixed with numbers
    bad('a FETCH 1:$ (FLAGS)', 'a');
    bad('a FETCH $,1 (FLAGS)', 'a');
  });

  it('reads LOGIN with atoms, quoted strings and literals', () => {
    assert.deepEqual(parse('a1 LOGIN bob "p a\\"s\\\\s"'), { tag: 'a1', name: 'LOGIN', username: 'bob', password: 'p a"s\\s' });
    assert.deepEqual(parse('a1 LOGIN {3}\r\nbob {4+}\r\np\r\nw'), { tag: 'a1', name: 'LOGIN', username: 'bob', password: 'p\r\nw' });
  });

  it('reads AUTHENTICATE with and without an initial response', () => {
    assert.deepEqual(parse('a AUTHENTICATE plain AGJvYgBwdw=='), { tag: 'a', name: 'AUTHENTICATE', mechanism: 'PLAIN', initialResponse: 'AGJvYgBwdw==' });
    assert.deepEqual(parse('a AUTHENTICATE PLAIN ='), { tag: 'a', name: 'AUTHENTICATE', mechanism: 'PLAIN', initialResponse: '' });
    assert.deepEqual(parse('a AUTHENTICATE PLAIN'), { tag: 'a', name: 'AUTHENTICATE', mechanism: 'PLAIN', initialResponse: null });
  });

  it('reads QRESYNC parameters of SELECT and the VANISHED modifier of UID FETCH (RFC 7162 3.2.5, 3.2.6)', () => {
    const q = (text: string) => (parse(text) as { qresync: unknown }).qresync;
    assert.deepEqual(q('A02 SELECT INBOX (QRESYNC (67890007 715194045000 41,43:211,214:541))'), {
      uidValidity: 67890007,
      modseq: 715194045000,
      knownUids: [{ start: 41, end: 41 }, { start: 43, end: 211 }, { start: 214, end: 541 }],
      seqMatch: null,
    });
    assert.deepEqual(q('B04 SELECT INBOX (QRESYNC (67890007 115194045000 1:29997 (5000,7500,9000,9990:9999 15000,22500,27000,29970,29973,29976,29979,29982,29985,29988,29991,29994,29997)))'), {
      uidValidity: 67890007,
      modseq: 115194045000,
      knownUids: [{ start: 1, end: 29997 }],
      seqMatch: {
        seqs: [{ start: 5000, end: 5000 }, { start: 7500, end: 7500 }, { start: 9000, end: 9000 }, { start: 9990, end: 9999 }],
        uids: [15000, 22500, 27000, 29970, 29973, 29976, 29979, 29982, 29985, 29988, 29991, 29994, 29997].map((n) => ({ start: n, end: n })),
      },
    });
    assert.deepEqual(q('a SELECT INBOX (QRESYNC (1 2 (1 5)) CONDSTORE)'), { uidValidity: 1, modseq: 2, knownUids: null, seqMatch: { seqs: [{ start: 1, end: 1 }], uids: [{ start: 5, end: 5 }] } });
    assert.deepEqual(q('a SELECT INBOX (QRESYNC (1 2))'), { uidValidity: 1, modseq: 2, knownUids: null, seqMatch: null });
    for (const bad of ['a SELECT INBOX (QRESYNC)', 'a SELECT INBOX (QRESYNC (0 2))', 'a SELECT INBOX (QRESYNC (1 2 3', 'a SELECT INBOX (QRESYNC (1 2) QRESYNC (1 2))']) {
      assert.throws(() => parse(bad), ImapParseError, bad);
    }
    const f = parse('s100 UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)') as { changedSince: number; vanished: boolean };
    assert.deepEqual([f.changedSince, f.vanished], [12345, true]);
    assert.equal((parse('a FETCH 1 FLAGS (CHANGEDSINCE 5)') as { vanished: boolean }).vanished, false);
    assert.throws(() => parse('a UID FETCH 1 FLAGS (VANISHED)'), ImapParseError);
    assert.throws(() => parse('a UID FETCH 1 FLAGS (CHANGEDSINCE 1 NOPE)'), ImapParseError);
  });

  it('reads mailbox commands', () => {
    assert.deepEqual(parse('a SELECT "Sent Items"'), { tag: 'a', name: 'SELECT', mailbox: 'Sent Items', condstore: false, qresync: null });
    assert.deepEqual(parse('a EXAMINE inbox (CONDSTORE)'), { tag: 'a', name: 'EXAMINE', mailbox: 'inbox', condstore: true, qresync: null });
    assert.deepEqual(parse('a RENAME a b'), { tag: 'a', name: 'RENAME', mailbox: 'a', newName: 'b' });
    assert.deepEqual(parse('a LIST "" *'), { tag: 'a', name: 'LIST', reference: '', pattern: '*', patterns: ['*'], select: { subscribed: false, remote: false, recursiveMatch: false, specialUse: false }, returning: { subscribed: false, status: null } });
    // RFC 5819 example
    assert.deepEqual((parse('A01 LIST "" % RETURN (STATUS (MESSAGES UNSEEN))') as { returning: unknown }).returning, { subscribed: false, status: ['MESSAGES', 'UNSEEN'] });
    assert.deepEqual((parse('a LIST "" * RETURN (SUBSCRIBED CHILDREN SPECIAL-USE)') as { returning: unknown }).returning, { subscribed: true, status: null });
    bad('a LIST "" * RETURN (BOGUS)', 'a');
    bad('a LIST "" * EXTRA', 'a');
    assert.deepEqual(parse('a LSUB "" Work/%'), { tag: 'a', name: 'LSUB', reference: '', pattern: 'Work/%', patterns: ['Work/%'], select: { subscribed: false, remote: false, recursiveMatch: false, specialUse: false }, returning: { subscribed: false, status: null } });
    assert.deepEqual(parse('a STATUS INBOX (MESSAGES unseen UIDNEXT)'), { tag: 'a', name: 'STATUS', mailbox: 'INBOX', items: ['MESSAGES', 'UNSEEN', 'UIDNEXT'] });
  });

  it('reads FETCH items, macros and sections', () => {
    const f = parse('a FETCH 1:*,3 (FLAGS BODY.PEEK[1.2.HEADER.FIELDS (From To)]<0.100> body[] BODY[2.MIME] RFC822.SIZE)');
    assert.equal(f.name, 'FETCH');
    if (f.name !== 'FETCH') return;
    assert.deepEqual(f.sequence, [
      { start: 1, end: '*' },
      { start: 3, end: 3 },
    ]);
    assert.deepEqual(f.items, [
      { kind: 'FLAGS' },
      { kind: 'BODY[]', peek: true, section: { part: [1, 2], text: 'HEADER.FIELDS', fields: ['From', 'To'] }, partial: { start: 0, length: 100 } },
      { kind: 'BODY[]', peek: false, section: { part: [], text: null, fields: [] }, partial: null },
      { kind: 'BODY[]', peek: false, section: { part: [2], text: 'MIME', fields: [] }, partial: null },
      { kind: 'RFC822.SIZE' },
    ]);
    const all = parse('a UID FETCH 5 ALL');
    assert.ok(all.name === 'FETCH' && all.uid && all.items.length === 4);
    const cs = parse('a FETCH 1 FLAGS (CHANGEDSINCE 12)');
    assert.ok(cs.name === 'FETCH' && cs.changedSince === 12);
  });

  it('reads STORE in all its forms', () => {
    assert.deepEqual(parse('a STORE 1 +FLAGS.SILENT (\\Seen $Junk)'), {
      tag: 'a', name: 'STORE', uid: false, sequence: [{ start: 1, end: 1 }], mode: 'add', silent: true, flags: ['\\Seen', '$Junk'], unchangedSince: null,
    });
    const s = parse('a UID STORE 1:2 (UNCHANGEDSINCE 7) -FLAGS \\Deleted \\Seen');
    assert.ok(s.name === 'STORE' && s.uid && s.mode === 'remove' && s.unchangedSince === 7 && s.flags.length === 2);
    const r = parse('a STORE 1 FLAGS ()');
    assert.ok(r.name === 'STORE' && r.mode === 'replace' && r.flags.length === 0);
  });

  it('reads SEARCH keys with OR, NOT, parentheses, dates and charset', () => {
    const s = parse('a UID SEARCH CHARSET UTF-8 OR (FROM "bob" SINCE 1-Feb-1994) NOT SEEN UID 1:5 2,4 LARGER 100 HEADER X-Spam yes');
    assert.ok(s.name === 'SEARCH');
    if (s.name !== 'SEARCH') return;
    assert.equal(s.charset, 'UTF-8');
    assert.deepEqual(s.criteria, {
      op: 'and',
      of: [
        {
          op: 'or',
          of: [
            { op: 'and', of: [{ op: 'header', field: 'from', value: 'bob' }, { op: 'internaldate', cmp: 'since', date: '1994-02-01' }] },
            { op: 'not', of: { op: 'flag', flag: '\\Seen', set: true } },
          ],
        },
        { op: 'uid', set: [{ start: 1, end: 5 }] },
        { op: 'seq', set: [{ start: 2, end: 2 }, { start: 4, end: 4 }] },
        { op: 'size', cmp: 'larger', value: 100 },
        { op: 'header', field: 'x-spam', value: 'yes' },
      ],
    });
    const u = parse('a SEARCH UNSEEN');
    assert.ok(u.name === 'SEARCH' && u.criteria.op === 'flag');
  });

  it('reads COPY, MOVE, UID EXPUNGE, ENABLE and ID', () => {
    assert.deepEqual(parse('a UID MOVE 1:3 Trash'), { tag: 'a', name: 'MOVE', uid: true, sequence: [{ start: 1, end: 3 }], mailbox: 'Trash' });
    assert.deepEqual(parse('a UID EXPUNGE 4'), { tag: 'a', name: 'EXPUNGE', uid: true, sequence: [{ start: 4, end: 4 }] });
    assert.deepEqual(parse('a ENABLE utf8=accept CONDSTORE'), { tag: 'a', name: 'ENABLE', capabilities: ['UTF8=ACCEPT', 'CONDSTORE'] });
    assert.deepEqual(parse('a ID ("name" "x" "version" NIL)'), { tag: 'a', name: 'ID', params: [['name', 'x'], ['version', null]] });
    assert.deepEqual(parse('a ID NIL'), { tag: 'a', name: 'ID', params: null });
  });

  it('refuses malformed commands with the tag', () => {
    bad('a1 FOO');
    bad('a1 LOGIN bob');
    bad('a1 LOGIN "bob');
    bad('a1 FETCH 0 FLAGS');
    bad('a1 FETCH 1 (FLAGS');
    bad('a1 FETCH 1 BODY[HEADER.FIELDS]');
    bad('a1 FETCH 1 BODY[1.FOO]');
    bad('a1 SEARCH SINCE 31-Feb-2020');
    bad('a1 SEARCH OR SEEN');
    bad('a1 SEARCH ' + 'NOT '.repeat(100) + 'SEEN');
    bad('a1 STORE 1 FLAGS \\');
    bad('a1 UID NOOP');
    bad('a1 NOOP extra');
    bad('a1 APPEND INBOX');
    bad('a1 LOGIN {10}\r\nabc');
    bad('a1 STATUS INBOX (BOGUS)');
    bad('', null);
    bad('+ NOOP', null);
  });
});
