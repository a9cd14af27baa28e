import type { EnvelopeAddress } from '@mail/contracts';

/** What IMAP servers conventionally print for the missing half of a broken address. */
export const MISSING_MAILBOX = 'MISSING_MAILBOX';
export const MISSING_DOMAIN = 'MISSING_DOMAIN';

type Kind = 'atom' | 'quoted' | 'literal' | 'special';
interface Token {
  kind: Kind;
  /** quoted: the unescaped text; others: as written */
  text: string;
  /** quoted: as written, quotes included */
  raw: string;
  /** white space or a comment came before it */
  spaced: boolean;
  /** comments met just before this token */
  comments: string[];
}

const SPECIALS = '()<>[]:;@\\,."';

function tokenize(s: string): { tokens: Token[]; trailingComments: string[] } {
  const tokens: Token[] = [];
  let spaced = false;
  let comments: string[] = [];
  const push = (kind: Kind, text: string, raw: string) => {
    tokens.push({ kind, text, raw, spaced, comments });
    spaced = false;
    comments = [];
  };
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      spaced = true;
      i++;
    } else if (c === '(') {
      let depth = 0;
      let text = '';
      for (; i < s.length; i++) {
        const d = s[i];
        if (d === '\\' && i + 1 < s.length) {
          text += s[++i];
          continue;
        }
        if (d === '(' && depth++ === 0) continue;
        if (d === ')' && --depth === 0) {
          i++;
          break;
        }
        text += d;
      }
      comments.push(text.trim());
      spaced = true;
    } else if (c === '"') {
      let text = '';
      let j = i + 1;
      for (; j < s.length && s[j] !== '"'; j++) {
        if (s[j] === '\\' && j + 1 < s.length) j++;
        text += s[j];
      }
      const end = Math.min(j + 1, s.length);
      push('quoted', text, s.slice(i, end));
      i = end;
    } else if (c === '[') {
      const close = s.indexOf(']', i);
      const end = close < 0 ? s.length : close + 1;
      const raw = s.slice(i, end);
      push('literal', raw, raw);
      i = end;
    } else if (SPECIALS.includes(c)) {
      push('special', c, c);
      i++;
    } else {
      let j = i;
      while (j < s.length && !SPECIALS.includes(s[j]) && !' \t\r\n'.includes(s[j])) j++;
      const text = s.slice(i, j);
      push('atom', text, text);
      i = j;
    }
  }
  return { tokens, trailingComments: comments };
}

/** A display name: quotes removed, runs of blanks collapsed, encoded words left as they are. */
function phraseText(tokens: Token[]): string | null {
  let out = '';
  for (const t of tokens) {
    if (out && t.spaced) out += ' ';
    out += t.text;
  }
  out = out.trim();
  return out === '' ? null : out;
}

/** local-part or domain as written (quoted local parts keep their quotes). */
function rawText(tokens: Token[]): string {
  return tokens.map((t) => (t.kind === 'quoted' ? t.raw : t.text)).join('');
}

class AddressParser {
  private i = 0;
  readonly out: EnvelopeAddress[] = [];
  constructor(
    private readonly tokens: Token[],
    private readonly trailingComments: string[],
  ) {}

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private isSpecial(t: Token | undefined, c: string): boolean {
    return t !== undefined && t.kind === 'special' && t.text === c;
  }

  parseList(): EnvelopeAddress[] {
    while (this.i < this.tokens.length) {
      const t = this.tokens[this.i];
      if (this.isSpecial(t, ',') || this.isSpecial(t, ';') || this.isSpecial(t, '>')) {
        this.i++;
        continue;
      }
      this.parseAddress(true);
    }
    return this.out;
  }

  /** One address, or a whole group when allowGroup and a phrase is followed by ':'. */
  private parseAddress(allowGroup: boolean): void {
    const start = this.i;
    const phrase: Token[] = [];
    while (this.i < this.tokens.length) {
      const t = this.tokens[this.i];
      if (t.kind === 'special' && '<:@,;'.includes(t.text)) break;
      phrase.push(t);
      this.i++;
    }
    const stop = this.peek();
    if (this.isSpecial(stop, ':') && allowGroup) {
      this.i++;
      this.parseGroup(phrase);
    } else if (this.isSpecial(stop, ':')) {
      // nested group syntax is not allowed: read the phrase as a name and move on
      this.i++;
    } else if (this.isSpecial(stop, '<')) {
      this.i++;
      this.parseAngle(phrase);
    } else if (this.isSpecial(stop, '@')) {
      this.i++;
      this.parseAddrSpec(phrase);
    } else if (phrase.length > 0) {
      const commentName = this.commentAfter(this.i) ?? phrase[0].comments[0] ?? null;
      this.out.push({ name: commentName || null, adl: null, mailbox: phraseText(phrase) ?? MISSING_MAILBOX, host: MISSING_DOMAIN });
    } else if (this.i === start && this.i < this.tokens.length) {
      this.i++;
    }
  }

  private parseGroup(phrase: Token[]): void {
    this.out.push({ name: null, adl: null, mailbox: phraseText(phrase) ?? '', host: null });
    while (this.i < this.tokens.length) {
      const t = this.tokens[this.i];
      if (this.isSpecial(t, ';')) {
        this.i++;
        break;
      }
      if (this.isSpecial(t, ',') || this.isSpecial(t, '>')) {
        this.i++;
        continue;
      }
      this.parseAddress(false);
    }
    this.out.push({ name: null, adl: null, mailbox: null, host: null });
  }

  private parseAngle(phrase: Token[]): void {
    const inner: Token[] = [];
    while (this.i < this.tokens.length && !this.isSpecial(this.peek(), '>')) {
      inner.push(this.tokens[this.i++]);
    }
    if (this.isSpecial(this.peek(), '>')) this.i++;
    let adl: string | null = null;
    let spec = inner;
    const colon = inner.findIndex((t) => this.isSpecial(t, ':'));
    if (colon >= 0 && this.isSpecial(inner[0], '@')) {
      adl = rawText(inner.slice(0, colon));
      spec = inner.slice(colon + 1);
    }
    let name = phraseText(phrase);
    if (name === null) name = this.commentAfter(this.i) ?? null;
    if (spec.length === 0) {
      // "<>" (a null reverse path) names nobody; keep it only if it has a display name
      if (name !== null) this.out.push({ name, adl, mailbox: MISSING_MAILBOX, host: MISSING_DOMAIN });
      return;
    }
    const at = spec.findIndex((t) => this.isSpecial(t, '@'));
    const local = at < 0 ? spec : spec.slice(0, at);
    const domain = at < 0 ? [] : spec.slice(at + 1);
    this.out.push({
      name,
      adl,
      mailbox: rawText(local) || MISSING_MAILBOX,
      host: rawText(domain) || MISSING_DOMAIN,
    });
  }

  private parseAddrSpec(local: Token[]): void {
    const domain: Token[] = [];
    while (this.i < this.tokens.length) {
      const t = this.tokens[this.i];
      if (t.kind === 'special' && ',;<>'.includes(t.text)) break;
      // "a@b c@d" without a comma: white space ends the domain
      if (domain.length > 0 && t.spaced && t.kind !== 'special' && !this.isSpecial(domain[domain.length - 1], '.')) break;
      domain.push(t);
      this.i++;
    }
    if (this.isSpecial(this.peek(), '<')) {
      // "a@b <c@d>": the first part was really a display name
      this.i++;
      this.parseAngle([...local, ...domain]);
      return;
    }
    const name = this.commentAfter(this.i);
    this.out.push({
      name: name ?? null,
      adl: null,
      mailbox: rawText(local) || MISSING_MAILBOX,
      host: rawText(domain) || MISSING_DOMAIN,
    });
  }

  /** "addr (Name)": the comment right after an address serves as its name when it has none. */
  private commentAfter(i: number): string | null {
    const comments = i < this.tokens.length ? this.tokens[i].comments : this.trailingComments;
    const c = comments.find((x) => x.length > 0);
    return c ?? null;
  }
}

/**
 * An address header value (raw, unfolded) as ENVELOPE address structures (RFC 3501 7.4.2):
 * groups become a start marker (mailbox = group name, host = null) and an end marker (all null).
 * Returns null when nothing usable is in it.
 */
export function parseAddressList(value: string | null): EnvelopeAddress[] | null {
  if (value === null) return null;
  const { tokens, trailingComments } = tokenize(value);
  const list = new AddressParser(tokens, trailingComments).parseList();
  return list.length > 0 ? list : null;
}
