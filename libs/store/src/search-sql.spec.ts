import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContractError, type SearchCriterion } from '@mail/contracts';
import { compileSearch } from './search-sql.js';

describe('compileSearch', () => {
  it('never puts a value into the SQL text', () => {
    const hostile = "x'); DROP TABLE mail.messages; --";
    const c: SearchCriterion = {
      op: 'and',
      of: [
        { op: 'header', field: "subject' OR 1=1 --", value: hostile },
        { op: 'body', value: hostile },
        { op: 'flag', flag: hostile, set: true },
        { op: 'text', value: hostile },
      ],
    };
    const out = compileSearch(c, 2);
    assert.ok(!out.where.includes('DROP'), out.where);
    assert.ok(!out.where.includes('1=1'), out.where);
    assert.ok(out.params.some((p) => String(p).includes('drop table') || String(p).includes('DROP TABLE')));
    assert.match(out.where, /^\(EXISTS/);
    assert.ok(out.where.includes('$2'));
  });

  it('numbers placeholders from the given start and escapes LIKE metacharacters', () => {
    const out = compileSearch({ op: 'body', value: '50%_OFF\\' }, 5);
    // the pattern is lowered here, as the stored text was when it was indexed
    assert.equal(out.where, 'i.body_text LIKE $5');
    assert.deepEqual(out.params, ['%50\\%\\_off\\\\%']);
    assert.deepEqual(out.indexColumns, ['body_text']);
  });

  it('collapses white space in a body phrase, as in the stored text, but not in a header one', () => {
    assert.deepEqual(compileSearch({ op: 'body', value: 'Two\r\n  words' }, 1).params, ['%two words%']);
    const text = compileSearch({ op: 'text', value: 'a  b' }, 1);
    assert.equal(text.where, "(i.body_text LIKE $1 OR array_to_string(i.headers, E'\\n') LIKE $2)");
    assert.deepEqual(text.params, ['%a b%', '%a  b%']);
  });

  it('joins the index only when a criterion needs it, and only its columns', () => {
    assert.equal(compileSearch({ op: 'flag', flag: '\\seen', set: false }, 2).needsIndex, false);
    assert.deepEqual(compileSearch({ op: 'flag', flag: '\\seen', set: false }, 2).params, [['\\Seen'][0]]);
    const h = compileSearch({ op: 'or', of: [{ op: 'header', field: 'Subject', value: 'a' }, { op: 'sentdate', cmp: 'on', date: '2024-01-01' }] }, 2);
    assert.deepEqual(h.indexColumns, ['hdr_subject', 'sent_date', 'sent_on']);
  });

  it('maps \\Recent to constants, dates to UTC day bounds, uid sets to ranges', () => {
    assert.equal(compileSearch({ op: 'flag', flag: '\\Recent', set: true }, 2).where, 'FALSE');
    assert.equal(compileSearch({ op: 'flag', flag: '\\recent', set: false }, 2).where, 'TRUE');
    const on = compileSearch({ op: 'internaldate', cmp: 'on', date: '2024-02-29' }, 2);
    assert.deepEqual(on.params, ['2024-02-29T00:00:00.000Z', '2024-03-01T00:00:00.000Z']);
    const u = compileSearch({ op: 'uid', ranges: [[5, 9], [1, 1], [2, 3]] }, 2);
    assert.equal(u.where, '(m.uid BETWEEN $2 AND $3 OR m.uid BETWEEN $4 AND $5)');
    assert.deepEqual(u.params, [1, 3, 5, 9]);
    const many = compileSearch({ op: 'uid', ranges: Array.from({ length: 30 }, (_, i): [number, number] => [i * 3 + 1, i * 3 + 1]) }, 2);
    assert.match(many.where, /^EXISTS \(SELECT 1 FROM unnest\(\$2::bigint\[\], \$3::bigint\[\]\)/);
  });

  it('refuses absurd nesting', () => {
    let c: SearchCriterion = { op: 'all' };
    for (let i = 0; i < 100; i++) c = { op: 'not', of: c };
    assert.throws(() => compileSearch(c, 2), (e: unknown) => e instanceof ContractError && e.code === 'INVALID');
  });
});
