/**
 * The user list of a migration batch, in the shape of Exchange Online's IMAP migration CSV:
 * a header row naming `EmailAddress`, `UserName` and `Password` (any order, any case), then one row
 * per mailbox to move. Parsed per RFC 4180 (quoted fields, doubled quotes, commas and line breaks
 * inside quotes), with a UTF-8 byte order mark and CRLF or LF line ends accepted, as spreadsheet
 * exports produce them.
 *
 * The file comes from an administrator but is often produced by scripts and spreadsheets, so every
 * problem is reported with its line number, all of them at once (up to a cap), and a password never
 * appears in a message.
 */

export interface MigrationUserRow {
  /** the mailbox on this platform the user's mail goes to */
  emailAddress: string;
  /** the login on the remote server */
  userName: string;
  password: string;
  /** the line of the file the row starts on (1-based, the header is line 1) */
  line: number;
}

export interface CsvProblem {
  line: number;
  message: string;
}

/** The file cannot be used; `problems` says where and why (lines are 1-based). */
export class MigrationCsvError extends Error {
  override name = 'MigrationCsvError';
  constructor(readonly problems: CsvProblem[]) {
    super(problems.map((p) => `line ${p.line}: ${p.message}`).join('\n'));
  }
}

export const CSV_LIMITS = {
  /** Exchange Online caps a batch at 50,000 mailboxes */
  maxRows: 50_000,
  maxBytes: 16 * 1024 * 1024,
  maxEmailLength: 320,
  maxUserNameLength: 256,
  maxPasswordLength: 1024,
  /** problems listed before giving up on the rest of the file */
  maxProblems: 50,
} as const;

const COLUMNS = { emailaddress: 'emailAddress', username: 'userName', password: 'password' } as const;
type Column = (typeof COLUMNS)[keyof typeof COLUMNS];

export function parseMigrationCsv(input: string | Buffer): MigrationUserRow[] {
  const bytes = typeof input === 'string' ? Buffer.byteLength(input) : input.length;
  if (bytes > CSV_LIMITS.maxBytes) throw new MigrationCsvError([{ line: 1, message: `the file is ${bytes} bytes; at most ${CSV_LIMITS.maxBytes} are accepted` }]);
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch {
      throw new MigrationCsvError([{ line: lineOfFirstInvalidUtf8(input), message: 'the file is not valid UTF-8 (save it as "CSV UTF-8")' }]);
    }
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);

  const problems: CsvProblem[] = [];
  const records = readRecords(text, problems);
  if (problems.length) throw new MigrationCsvError(problems);
  const header = records.shift();
  if (!header) throw new MigrationCsvError([{ line: 1, message: 'the file is empty; the first line must be EmailAddress,UserName,Password' }]);
  const columns = headerColumns(header);
  const rows: MigrationUserRow[] = [];
  const seen = new Map<string, number>();
  for (const record of records) {
    if (problems.length >= CSV_LIMITS.maxProblems) break;
    if (record.fields.length === 1 && record.fields[0] === '') continue; // blank line
    if (rows.length >= CSV_LIMITS.maxRows) {
      problems.push({ line: record.line, message: `more than ${CSV_LIMITS.maxRows} users; split the list into several batches` });
      break;
    }
    const row = readRow(record, columns, problems);
    if (!row) continue;
    const key = row.emailAddress.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) {
      problems.push({ line: record.line, message: `${row.emailAddress} is already listed on line ${first}` });
      continue;
    }
    seen.set(key, record.line);
    rows.push(row);
  }
  if (problems.length) throw new MigrationCsvError(problems);
  if (!rows.length) throw new MigrationCsvError([{ line: header.line + 1, message: 'no users listed after the header' }]);
  return rows;
}

interface CsvRecord {
  line: number;
  fields: string[];
}

/** RFC 4180 records; a quoted field may span lines, so a record knows the line it starts on. */
function readRecords(text: string, problems: CsvProblem[]): CsvRecord[] {
  const records: CsvRecord[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n && problems.length < CSV_LIMITS.maxProblems) {
    const start = line;
    const fields: string[] = [];
    let broken = false;
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        const quoteLine = line;
        i++;
        let closed = false;
        while (i < n) {
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        if (!closed) {
          problems.push({ line: quoteLine, message: 'a quoted field is never closed (missing ")' });
          return records;
        }
        if (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          problems.push({ line, message: 'text after a closing quote; a quote inside a quoted field is written ""' });
          broken = true;
        }
      } else {
        while (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          if (text[i] === '"') {
            if (!broken) problems.push({ line, message: 'a quote inside an unquoted field; quote the whole field and double the quote ("a""b")' });
            broken = true;
          }
          field += text[i];
          i++;
        }
      }
      if (broken) {
        // skip to the end of this line and carry on with the next record
        while (i < n && text[i] !== '\n') i++;
        break;
      }
      fields.push(field);
      if (i < n && text[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    // the record's line end: CRLF, LF, or a lone CR (old Mac exports)
    let ended = false;
    if (i < n && text[i] === '\r') {
      i++;
      ended = true;
    }
    if (i < n && text[i] === '\n') {
      i++;
      ended = true;
    }
    if (ended) line++;
    if (!broken) records.push({ line: start, fields });
  }
  return records;
}

/** where each column is in a record */
type ColumnIndex = Record<Column, number>;

function headerColumns(header: CsvRecord): ColumnIndex {
  const columns = new Map<Column, number>();
  const problems: CsvProblem[] = [];
  header.fields.forEach((raw, index) => {
    const name = raw.trim();
    const column = COLUMNS[name.toLowerCase() as keyof typeof COLUMNS];
    if (!column) {
      problems.push({ line: header.line, message: `unknown column "${printable(name)}"; the columns are EmailAddress, UserName, Password` });
      return;
    }
    if (columns.has(column)) problems.push({ line: header.line, message: `column ${name} appears twice` });
    columns.set(column, index);
  });
  for (const [lower, column] of Object.entries(COLUMNS)) {
    if (!columns.has(column)) problems.push({ line: header.line, message: `missing column ${lower === 'emailaddress' ? 'EmailAddress' : lower === 'username' ? 'UserName' : 'Password'}` });
  }
  const emailAddress = columns.get('emailAddress');
  const userName = columns.get('userName');
  const password = columns.get('password');
  if (problems.length || emailAddress === undefined || userName === undefined || password === undefined) throw new MigrationCsvError(problems);
  return { emailAddress, userName, password };
}

function readRow(record: CsvRecord, columns: ColumnIndex, problems: CsvProblem[]): MigrationUserRow | null {
  const before = problems.length;
  const report = (message: string) => problems.push({ line: record.line, message });
  const expected = Object.keys(columns).length;
  if (record.fields.length !== expected) {
    report(`${record.fields.length} fields, expected ${expected} (EmailAddress,UserName,Password)`);
    return null;
  }
  const get = (c: Column) => record.fields[columns[c]];
  const emailAddress = get('emailAddress').trim();
  const userName = get('userName').trim();
  // a password is taken as written: leading or trailing spaces may be part of it
  const password = get('password');

  if (!emailAddress) report('EmailAddress is empty');
  else if (emailAddress.length > CSV_LIMITS.maxEmailLength) report(`EmailAddress is longer than ${CSV_LIMITS.maxEmailLength} characters`);
  else if (!looksLikeAddress(emailAddress)) report(`EmailAddress "${printable(emailAddress)}" is not an address (local@domain)`);

  if (!userName) report('UserName is empty');
  else if (userName.length > CSV_LIMITS.maxUserNameLength) report(`UserName is longer than ${CSV_LIMITS.maxUserNameLength} characters`);
  else if (hasControl(userName)) report('UserName contains a control character');

  if (!password) report('Password is empty');
  else if (password.length > CSV_LIMITS.maxPasswordLength) report(`Password is longer than ${CSV_LIMITS.maxPasswordLength} characters`);
  // IMAP LOGIN cannot carry CR, LF or NUL (RFC 9051 4.3); said without echoing the password
  else if (/[\0\r\n]/.test(password)) report('Password contains a line break or NUL, which IMAP cannot send');

  if (problems.length > before) return null;
  return { emailAddress, userName, password, line: record.line };
}

function looksLikeAddress(s: string): boolean {
  const at = s.lastIndexOf('@');
  if (at <= 0 || at === s.length - 1) return false;
  const local = s.slice(0, at);
  const domain = s.slice(at + 1);
  if (hasControl(s) || /\s/.test(s)) return false;
  if (local.length > 64) return false;
  const labels = domain.split('.');
  return labels.length >= 2 && labels.every((l) => l.length > 0 && l.length <= 63 && !l.startsWith('-') && !l.endsWith('-') && !/[@,;:<>()[\]\\"]/.test(l));
}

function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** a value echoed in a message: control characters shown as \xNN, and kept short */
function printable(s: string): string {
  let out = '';
  for (const ch of s.slice(0, 80)) {
    const c = ch.charCodeAt(0);
    out += c < 0x20 || c === 0x7f ? `\\x${c.toString(16).padStart(2, '0')}` : ch;
  }
  return s.length > 80 ? `${out}…` : out;
}

function lineOfFirstInvalidUtf8(buf: Buffer): number {
  // decode progressively larger prefixes would be quadratic; find the first byte that breaks a
  // UTF-8 sequence instead and count the line feeds before it
  let i = 0;
  while (i < buf.length) {
    const b = buf[i];
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (!len || i + len > buf.length) break;
    let ok = true;
    for (let k = 1; k < len; k++) if ((buf[i + k] & 0xc0) !== 0x80) ok = false;
    if (!ok) break;
    i += len;
  }
  let line = 1;
  for (let k = 0; k < i && k < buf.length; k++) if (buf[k] === 0x0a) line++;
  return line;
}
