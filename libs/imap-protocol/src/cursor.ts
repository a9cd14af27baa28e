import { isAstringChar, isAtomChar, isListChar, isTagChar } from './chars.js';
import { ImapParseError } from './errors.js';

const SP = 0x20;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const MAX_SAFE_DIGITS = 15;

/**
 * Reads tokens from one complete command (as framed by the command reader: literals are inline,
 * `{n}\r\n` followed by exactly n bytes). Every failure is an ImapParseError.
 */
export class Cursor {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  eof(): boolean {
    return this.pos >= this.buf.length;
  }

  peek(): number {
    return this.pos < this.buf.length ? this.buf[this.pos] : -1;
  }

  fail(message: string): never {
    throw new ImapParseError(message);
  }

  sp(): void {
    if (this.peek() !== SP) this.fail(this.eof() ? 'missing argument' : 'expected a space');
    this.pos++;
  }

  /** consumes a space if there is one */
  optSp(): boolean {
    if (this.peek() !== SP) return false;
    this.pos++;
    return true;
  }

  expect(ch: string): void {
    if (this.peek() !== ch.charCodeAt(0)) this.fail(`expected "${ch}"`);
    this.pos++;
  }

  tryChar(ch: string): boolean {
    if (this.peek() !== ch.charCodeAt(0)) return false;
    this.pos++;
    return true;
  }

  end(): void {
    if (!this.eof()) this.fail('unexpected characters at end of command');
  }

  private take(pred: (c: number) => boolean): string {
    const start = this.pos;
    while (this.pos < this.buf.length && pred(this.buf[this.pos])) this.pos++;
    return this.buf.toString('latin1', start, this.pos);
  }

  tag(): string {
    const t = this.take(isTagChar);
    if (!t) this.fail('missing tag');
    return t;
  }

  atom(): string {
    const a = this.take(isAtomChar);
    if (!a) this.fail('expected an atom');
    return a;
  }

  /** an atom that may end before "[" (FETCH att names like BODY[...]) */
  atomUntil(stop: number): string {
    const a = this.take((c) => c !== stop && isAtomChar(c));
    if (!a) this.fail('expected an atom');
    return a;
  }

  /** peeks whether the next token is the given keyword (case-insensitive), followed by a non-atom char */
  isKeyword(word: string): boolean {
    const end = this.pos + word.length;
    if (end > this.buf.length) return false;
    if (this.buf.toString('latin1', this.pos, end).toUpperCase() !== word) return false;
    return end === this.buf.length || !isAtomChar(this.buf[end]);
  }

  number(): number {
    const digits = this.take((c) => c >= 0x30 && c <= 0x39);
    if (!digits) this.fail('expected a number');
    if (digits.length > MAX_SAFE_DIGITS) this.fail('number too large');
    return Number(digits);
  }

  nzNumber(): number {
    const n = this.number();
    if (n === 0) this.fail('expected a non-zero number');
    return n;
  }

  quotedBytes(): Buffer {
    this.expect('"');
    const out: number[] = [];
    for (;;) {
      if (this.eof()) this.fail('unterminated quoted string');
      const c = this.buf[this.pos++];
      if (c === DQUOTE) break;
      if (c === 0x0d || c === 0x0a || c === 0) this.fail('invalid character in quoted string');
      if (c === BACKSLASH) {
        const next = this.peek();
        if (next !== DQUOTE && next !== BACKSLASH) this.fail('invalid escape in quoted string');
        out.push(next);
        this.pos++;
      } else {
        out.push(c);
      }
    }
    return Buffer.from(out);
  }

  literalBytes(): Buffer {
    this.expect('{');
    const n = this.number();
    this.tryChar('+');
    this.expect('}');
    if (this.buf[this.pos] !== 0x0d || this.buf[this.pos + 1] !== 0x0a) this.fail('literal must be followed by CRLF');
    this.pos += 2;
    if (this.pos + n > this.buf.length) this.fail('literal is shorter than announced');
    const data = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return data;
  }

  stringBytes(): Buffer {
    const c = this.peek();
    if (c === DQUOTE) return this.quotedBytes();
    if (c === LBRACE) return this.literalBytes();
    this.fail('expected a string');
  }

  string(): string {
    return this.stringBytes().toString('utf8');
  }

  astring(): string {
    const c = this.peek();
    if (c === DQUOTE || c === LBRACE) return this.string();
    const a = this.take(isAstringChar);
    if (!a) this.fail('expected a string or atom');
    return a;
  }

  nstring(): string | null {
    if (this.isKeyword('NIL')) {
      this.pos += 3;
      return null;
    }
    return this.string();
  }

  /** list-mailbox: 1*list-char / string */
  listMailbox(): string {
    const c = this.peek();
    if (c === DQUOTE || c === LBRACE) return this.string();
    const a = this.take(isListChar);
    if (!a) this.fail('expected a mailbox pattern');
    return a;
  }

  /** flag: "\" atom or a keyword atom; "\*" only where the caller allows it */
  flag(allowWildcard = false): string {
    if (this.peek() === BACKSLASH) {
      this.pos++;
      if (allowWildcard && this.tryChar('*')) return '\\*';
      return '\\' + this.atom();
    }
    return this.atom();
  }

  /** "(" flag *(SP flag) ")" , empty list allowed */
  flagList(): string[] {
    this.expect('(');
    const flags: string[] = [];
    if (this.tryChar(')')) return flags;
    for (;;) {
      flags.push(this.flag());
      if (this.tryChar(')')) return flags;
      this.sp();
    }
  }

  static isTag(tag: string): boolean {
    if (!tag) return false;
    for (let i = 0; i < tag.length; i++) if (!isTagChar(tag.charCodeAt(i))) return false;
    return true;
  }
}
