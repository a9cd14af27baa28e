const STAR = -1;
const PERCENT = -2;

/**
 * A LIST/LSUB pattern (RFC 3501 6.3.8): `*` matches anything, `%` anything but the hierarchy
 * delimiter. Matching simulates the pattern as an automaton, one pass over the name keeping the set
 * of pattern positions reached, so a match costs at most name length × pattern length steps
 * whatever the input. A pattern must never become a regular expression: a backtracking engine takes
 * exponential time on `*R*R*R*R*R*X` against a long name (issue 11), and nothing in the pattern is
 * trusted.
 */
export class ListPattern {
  /** char codes for literals, STAR or PERCENT; runs of wildcards collapsed to one */
  private readonly tokens: number[] = [];
  /** literal characters: a name shorter than this cannot match */
  private readonly literals: number = 0;
  private readonly delimiter: number;
  private readonly current: Uint8Array;
  private readonly next: Uint8Array;

  constructor(pattern: string, delimiter = '/') {
    if (delimiter.length !== 1) throw new Error('the hierarchy delimiter is one character');
    this.delimiter = delimiter.charCodeAt(0);
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern.charCodeAt(i);
      const token = c === 0x2a ? STAR : c === 0x25 ? PERCENT : c;
      const last = this.tokens.length - 1;
      if (token < 0 && last >= 0 && this.tokens[last] < 0) {
        // `*%`, `%*`, `**` all mean `*`; `%%` means `%`
        if (token === STAR) this.tokens[last] = STAR;
        continue;
      }
      this.tokens.push(token);
      if (token >= 0) this.literals++;
    }
    this.current = new Uint8Array(this.tokens.length + 1);
    this.next = new Uint8Array(this.tokens.length + 1);
  }

  matches(name: string): boolean {
    const tokens = this.tokens;
    const m = tokens.length;
    if (name.length < this.literals) return false;
    let cur = this.current;
    let nxt = this.next;
    cur.fill(0);
    this.reach(cur, 0);
    for (let i = 0; i < name.length; i++) {
      const c = name.charCodeAt(i);
      nxt.fill(0);
      let alive = false;
      for (let s = 0; s < m; s++) {
        if (!cur[s]) continue;
        const t = tokens[s];
        if (t === STAR || (t === PERCENT && c !== this.delimiter)) {
          this.reach(nxt, s);
          alive = true;
        } else if (t === c) {
          this.reach(nxt, s + 1);
          alive = true;
        }
      }
      if (!alive) return false;
      const swap = cur;
      cur = nxt;
      nxt = swap;
    }
    return cur[m] === 1;
  }

  /** marks state `s` and the states after it that wildcards matching nothing lead to */
  private reach(states: Uint8Array, s: number): void {
    let i = s;
    states[i] = 1;
    while (i < this.tokens.length && this.tokens[i] < 0) states[++i] = 1;
  }
}
