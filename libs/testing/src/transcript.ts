/**
 * Protocol transcripts (the format of test/protocol/README.md): `C:` lines a client sends, `S:`
 * lines the server must answer with, with wildcards for what varies from run to run (UIDVALIDITY,
 * dates, sizes), several sessions in one script (`C2:`/`S2:`), unordered groups (`S~`) and literals
 * (`L:` blocks). This module is pure: text in, steps out, and a matcher for one server line.
 */

export type TranscriptStep =
  | { kind: 'send'; session: number; text: string; line: number }
  | { kind: 'literal'; session: number; data: string; line: number }
  | { kind: 'expect'; session: number; patterns: string[]; ordered: boolean; line: number };

export class TranscriptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TranscriptError';
  }
}

const LINE = /^(C|S|L)(\d*)(~?):(?: (.*))?$/;

/** Literal blocks: each `L:` line is one line of the literal, sent with CRLF after it; `{{nul}}` is a NUL byte. */
function literalData(lines: string[]): string {
  return lines.map((l) => l.replaceAll('{{nul}}', '\0') + '\r\n').join('');
}

/**
 * Parses a transcript. `{{literal}}` / `{{literal+}}` in a `C:` line become `{n}` / `{n+}` with the
 * byte length of the next `L:` block of the same session.
 */
export function parseTranscript(text: string): TranscriptStep[] {
  const raw = text.split(/\r?\n/);
  const parsed: { kind: string; session: number; text: string; line: number }[] = [];
  raw.forEach((l, i) => {
    if (l === '' || l.startsWith('#')) return;
    const m = LINE.exec(l);
    if (!m || (m[3] && m[1] !== 'S')) throw new TranscriptError(`line ${i + 1}: expected C:, S:, S~: or L: (with a session number: C2:), got ${JSON.stringify(l.slice(0, 60))}`);
    parsed.push({ kind: (m[1] ?? '') + (m[3] ?? ''), session: m[2] ? Number(m[2]) : 1, text: m[4] ?? '', line: i + 1 });
  });
  const steps: TranscriptStep[] = [];
  for (let i = 0; i < parsed.length; i++) {
    const p = parsed[i];
    if (!p) break;
    if (p.kind === 'L') {
      const lines = [p.text];
      for (let next = parsed[i + 1]; next?.kind === 'L' && next.session === p.session; next = parsed[++i + 1]) lines.push(next.text);
      steps.push({ kind: 'literal', session: p.session, data: literalData(lines), line: p.line });
    } else if (p.kind === 'C') {
      let sendText = p.text;
      if (/\{\{literal\+?\}\}/.test(sendText)) {
        const start = parsed.findIndex((q, j) => j > i && q.kind === 'L' && q.session === p.session);
        if (start < 0) throw new TranscriptError(`line ${p.line}: {{literal}} without an L: block after it`);
        const lines: string[] = [];
        for (let j = start, q = parsed[j]; q?.kind === 'L' && q.session === p.session; q = parsed[++j]) lines.push(q.text);
        const size = Buffer.byteLength(literalData(lines), 'utf8');
        sendText = sendText.replace('{{literal+}}', `{${size}+}`).replace('{{literal}}', `{${size}}`);
      }
      steps.push({ kind: 'send', session: p.session, text: sendText, line: p.line });
    } else {
      const ordered = p.kind === 'S';
      const last = steps[steps.length - 1];
      if (!ordered && last?.kind === 'expect' && !last.ordered && last.session === p.session) last.patterns.push(p.text);
      else steps.push({ kind: 'expect', session: p.session, patterns: [p.text], ordered, line: p.line });
    }
  }
  return steps;
}

/** `${name}` replaced by the variable's value; an unknown name is an error in the script. */
export function substitute(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\{(\w+)\}/g, (_, name: string) => {
    const v = vars[name];
    if (v === undefined) throw new TranscriptError(`unknown variable \${${name}}`);
    return v;
  });
}

/** a quoted IMAP date-time, e.g. "07-Dec-2026 02:40:00 +0000" */
const DATE_TIME = /"[ \d]\d-[A-Z][a-z]{2}-\d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}"/y;

type Token = { kind: 'text'; text: string } | { kind: '*' | 'n' | 'date'; name: string };

function tokens(pattern: string): Token[] {
  const out: Token[] = [];
  let rest = pattern;
  for (;;) {
    let at = rest.indexOf('{{');
    // `{{{n}}}`: a literal's size, the outer braces being the server's
    while (rest[at + 2] === '{') at++;
    const end = at < 0 ? -1 : rest.indexOf('}}', at);
    if (at < 0 || end < 0) {
      if (rest) out.push({ kind: 'text', text: rest });
      return out;
    }
    if (at > 0) out.push({ kind: 'text', text: rest.slice(0, at) });
    const token = rest.slice(at + 2, end);
    const [kind, name = ''] = token.split(':') as [string, string?];
    if (kind !== '*' && kind !== 'n' && kind !== 'date') throw new TranscriptError(`unknown wildcard {{${token}}}`);
    out.push({ kind, name });
    rest = rest.slice(end + 2);
  }
}

/** Backtracking over a handful of tokens of the script's own pattern (no expression built from text). */
function matchFrom(toks: Token[], i: number, line: string, pos: number, captured: Record<string, string>): boolean {
  const t = toks[i];
  if (!t) return pos === line.length;
  const capture = (end: number): boolean => {
    if (!matchFrom(toks, i + 1, line, end, captured)) return false;
    if (t.kind !== 'text' && t.name) captured[t.name] = line.slice(pos, end);
    return true;
  };
  switch (t.kind) {
    case 'text':
      return line.startsWith(t.text, pos) && matchFrom(toks, i + 1, line, pos + t.text.length, captured);
    case '*':
      for (let end = pos; end <= line.length; end++) if (capture(end)) return true;
      return false;
    case 'n': {
      let end = pos;
      while (end < line.length && line.charCodeAt(end) >= 48 && line.charCodeAt(end) <= 57) end++;
      for (; end > pos; end--) if (capture(end)) return true;
      return false;
    }
    case 'date': {
      DATE_TIME.lastIndex = pos;
      return DATE_TIME.test(line) && capture(DATE_TIME.lastIndex);
    }
  }
}

/**
 * Matches one server line against an `S:` pattern: exact text except for the wildcards
 * `{{*}}` (any text), `{{n}}` (a number), `{{date}}` (a quoted IMAP date-time), and the named forms
 * `{{n:name}}`, `{{*:name}}`, `{{date:name}}` that remember what they matched as `${name}` for later
 * lines. Returns the captures, or null when the line does not match.
 */
export function matchLine(pattern: string, line: string, vars: Record<string, string>): Record<string, string> | null {
  const captured: Record<string, string> = {};
  return matchFrom(tokens(substitute(pattern, vars)), 0, line, 0, captured) ? captured : null;
}
