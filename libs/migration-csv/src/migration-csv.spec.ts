import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CSV_LIMITS, MigrationCsvError, parseMigrationCsv } from './migration-csv.js';

function problems(input: string | Buffer): string[] {
  try {
    parseMigrationCsv(input);
  } catch (err) {
    assert.ok(err instanceof MigrationCsvError, String(err));
    return err.problems.map((p) => `${p.line}: ${p.message}`);
  }
  assert.fail('expected the file to be refused');
}

describe('parseMigrationCsv', () => {
  it('reads the Exchange Online shape with a BOM and CRLF line ends', () => {
    const rows = parseMigrationCsv(Buffer.from('\ufeffEmailAddress,UserName,Password\r\nann@example.com,ann,pw1\r\nbob@example.com,bob@old.example,pw2\r\n'));
    assert.deepEqual(rows, [
      { emailAddress: 'ann@example.com', userName: 'ann', password: 'pw1', line: 2 },
      { emailAddress: 'bob@example.com', userName: 'bob@old.example', password: 'pw2', line: 3 },
    ]);
  });

  it('takes columns in any order and case, quoted fields with commas and doubled quotes', () => {
    const rows = parseMigrationCsv('password,EMAILADDRESS,username\n"a,""b""",ann@example.com," ann "\n\n"x",bob@example.com,bob');
    assert.equal(rows.length, 2);
    assert.deepEqual(rows[0], { emailAddress: 'ann@example.com', userName: 'ann', password: 'a,"b"', line: 2 });
    assert.equal(rows[1].line, 4);
  });

  it('counts lines inside a quoted field that spans them', () => {
    assert.deepEqual(problems('EmailAddress,UserName,Password\nann@example.com,ann,"a\r\nb"\nbob@example.com,,p'), [
      '2: Password contains a line break or NUL, which IMAP cannot send',
      '4: UserName is empty',
    ]);
  });

  it('keeps spaces inside a password', () => {
    assert.equal(parseMigrationCsv('EmailAddress,UserName,Password\nann@example.com,ann, secret ')[0].password, ' secret ');
  });

  it('accepts lone CR line ends', () => {
    assert.equal(parseMigrationCsv('EmailAddress,UserName,Password\rann@example.com,ann,p\rbob@example.com,bob,q').length, 2);
  });

  it('reports every bad row with its line, without echoing passwords', () => {
    const list = problems(
      [
        'EmailAddress,UserName,Password',
        'ann@example.com,ann,hunter2-secret',
        'not-an-address,x,hunter3-secret',
        'bob@example.com,,hunter4-secret',
        'carl@example.com,carl',
        'ANN@example.com,ann2,hunter5-secret',
        'dora@example.com,dora,',
      ].join('\n'),
    );
    assert.deepEqual(list, [
      '3: EmailAddress "not-an-address" is not an address (local@domain)',
      '4: UserName is empty',
      '5: 2 fields, expected 3 (EmailAddress,UserName,Password)',
      '6: ANN@example.com is already listed on line 2',
      '7: Password is empty',
    ]);
    assert.ok(!list.join('\n').includes('hunter'));
  });

  it('refuses a bad header', () => {
    assert.deepEqual(problems('Email,UserName,Password\na@b.c,a,p'), ['1: unknown column "Email"; the columns are EmailAddress, UserName, Password', '1: missing column EmailAddress']);
    assert.deepEqual(problems('EmailAddress,UserName,Password,UserName\n'), ['1: column UserName appears twice']);
    assert.deepEqual(problems(''), ['1: the file is empty; the first line must be EmailAddress,UserName,Password']);
    assert.deepEqual(problems('EmailAddress,UserName,Password\r\n\r\n'), ['2: no users listed after the header']);
  });

  it('refuses broken quoting with the line it starts on', () => {
    assert.deepEqual(problems('EmailAddress,UserName,Password\nann@example.com,ann,"open\nstill open'), ['2: a quoted field is never closed (missing ")']);
    assert.deepEqual(problems('EmailAddress,UserName,Password\nann@example.com,a"nn,p\nbob@example.com,"bob"x,p'), [
      '2: a quote inside an unquoted field; quote the whole field and double the quote ("a""b")',
      '3: text after a closing quote; a quote inside a quoted field is written ""',
    ]);
  });

  it('refuses control characters and NUL where IMAP cannot carry them', () => {
    assert.deepEqual(problems('EmailAddress,UserName,Password\nann@example.com,a\u0000nn,p\nbob@example.com,bob,"a\nb"'), [
      '2: UserName contains a control character',
      '3: Password contains a line break or NUL, which IMAP cannot send',
    ]);
    assert.deepEqual(problems('EmailAddress,UserName,Password\n"ann\u0001@example.com",a,p'), ['2: EmailAddress "ann\\x01@example.com" is not an address (local@domain)']);
  });

  it('refuses invalid UTF-8 with the line of the bad byte', () => {
    const buf = Buffer.concat([Buffer.from('EmailAddress,UserName,Password\nann@example.com,ann,p\nbob@example.com,b'), Buffer.from([0xff, 0xfe]), Buffer.from('ob,p\n')]);
    assert.deepEqual(problems(buf), ['3: the file is not valid UTF-8 (save it as "CSV UTF-8")']);
  });

  it('bounds size, rows and field lengths', () => {
    assert.match(problems(Buffer.alloc(CSV_LIMITS.maxBytes + 1, 0x61))[0], /^1: the file is \d+ bytes/);
    const many = ['EmailAddress,UserName,Password', ...Array.from({ length: CSV_LIMITS.maxRows + 1 }, (_, i) => `u${i}@example.com,u${i},p`)].join('\n');
    assert.deepEqual(problems(many), [`${CSV_LIMITS.maxRows + 2}: more than ${CSV_LIMITS.maxRows} users; split the list into several batches`]);
    assert.deepEqual(problems(`EmailAddress,UserName,Password\nann@example.com,ann,${'x'.repeat(CSV_LIMITS.maxPasswordLength + 1)}`), [
      `2: Password is longer than ${CSV_LIMITS.maxPasswordLength} characters`,
    ]);
  });

  it('stops listing after a cap on a garbage file', () => {
    const garbage = ['EmailAddress,UserName,Password', ...Array.from({ length: 500 }, () => 'x')].join('\n');
    assert.equal(problems(garbage).length, CSV_LIMITS.maxProblems);
  });

  it('survives random bytes without throwing anything but its own error', () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let k = 0; k < 300; k++) {
      const alphabet = ['"', ',', '\n', '\r', 'a', '@', '.', 'é', '\u0000', ' '];
      const body = Array.from({ length: 1 + Math.floor(rand() * 80) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
      try {
        parseMigrationCsv(`EmailAddress,UserName,Password\n${body}`);
      } catch (err) {
        assert.ok(err instanceof MigrationCsvError, String(err));
      }
    }
  });
});
