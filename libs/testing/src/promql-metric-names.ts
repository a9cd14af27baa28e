/**
 * The metric names a PromQL expression reads: vector selectors (`rate(foo_total[5m])`) and
 * `{__name__="foo"}` matchers. Not the function and aggregation names, keywords, label names in
 * `by (...)`/`on (...)`, label values, durations, numbers, or Grafana variables ($job,
 * ${job}, $__rate_interval). Used to prove that every dashboard panel and alert rule queries a
 * metric some service really exports. A regex `__name__=~"..."` cannot be resolved to names and is
 * reported in `unresolved`.
 */
export interface PromqlMetricNames {
  names: Set<string>;
  unresolved: string[];
}

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'atan2', 'inf', 'nan']);
const LABEL_LIST_KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const AGGREGATIONS = new Set(['sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile', 'limitk', 'limit_ratio']);
const IDENT_START = /[A-Za-z_:]/;
const IDENT_PART = /[A-Za-z0-9_:]/;

export function promqlMetricNames(expr: string): PromqlMetricNames {
  const names = new Set<string>();
  const unresolved: string[] = [];
  const n = expr.length;
  let i = 0;

  const skipSpace = (j: number): number => {
    while (j < n) {
      if (/\s/.test(expr[j])) j++;
      else if (expr[j] === '#') while (j < n && expr[j] !== '\n') j++;
      else break;
    }
    return j;
  };
  /** index just past the string starting at j (quote at j); escapes honoured except in backticks */
  const skipString = (j: number): number => {
    const q = expr[j];
    j++;
    while (j < n && expr[j] !== q) j += q !== '`' && expr[j] === '\\' ? 2 : 1;
    return Math.min(j + 1, n);
  };
  const readString = (j: number): [string, number] => {
    const end = skipString(j);
    return [expr.slice(j + 1, end - 1).replace(/\\(.)/g, '$1'), end];
  };
  /** past the bracketed group opening at j ('(' or '['), strings and nesting respected */
  const skipGroup = (j: number): number => {
    const open = expr[j];
    const close = open === '(' ? ')' : ']';
    let depth = 0;
    while (j < n) {
      const c = expr[j];
      if (c === '"' || c === "'" || c === '`') { j = skipString(j); continue; }
      if (c === open) depth++;
      else if (c === close && --depth === 0) return j + 1;
      j++;
    }
    return n;
  };
  /** the label matchers block `{...}` at j: records __name__="x"; returns the index past it */
  const readMatchers = (j: number): number => {
    j++;
    while (j < n && expr[j] !== '}') {
      j = skipSpace(j);
      if (expr[j] === ',') { j++; continue; }
      if (expr[j] === '}') break;
      let label = '';
      if (expr[j] === '"' || expr[j] === "'" || expr[j] === '`') [label, j] = readString(j); // quoted label name (Prometheus 3)
      else while (j < n && IDENT_PART.test(expr[j])) label += expr[j++];
      j = skipSpace(j);
      let op = '';
      while (j < n && '=!~'.includes(expr[j])) op += expr[j++];
      j = skipSpace(j);
      if (!op || !(expr[j] === '"' || expr[j] === "'" || expr[j] === '`')) {
        // a bare quoted metric name (Prometheus 3: {"my.metric", job="x"}), or garbage: skip one char
        if (!op && label && /^["'`]/.test(expr.slice(j - label.length - 2, j - label.length - 1))) names.add(label);
        if (!op && !label) j++;
        continue;
      }
      let value: string;
      [value, j] = readString(j);
      if (label === '__name__') {
        if (op === '=') names.add(value);
        else unresolved.push(`__name__${op}"${value}"`);
      }
    }
    return Math.min(j + 1, n);
  };

  while (i < n) {
    const c = expr[i];
    if (/\s/.test(c)) { i++; continue; }
    if (c === '#') { i = skipSpace(i); continue; }
    if (c === '"' || c === "'" || c === '`') { i = skipString(i); continue; }
    if (c === '[') { i = skipGroup(i); continue; } // range or subquery: durations and variables only
    if (c === '{') { i = readMatchers(i); continue; }
    if (c === '$') {
      // Grafana variable: $name, ${name}, ${name:format}, [[name]] is handled by '['
      i++;
      if (expr[i] === '{') { while (i < n && expr[i] !== '}') i++; i++; } else while (i < n && IDENT_PART.test(expr[i])) i++;
      continue;
    }
    if (/[0-9.]/.test(c)) {
      // number (1, 0.5, 1e6, 0x1f) or a duration after offset/@ (5m, 1h30m)
      while (i < n && /[0-9A-Za-z_.]/.test(expr[i])) {
        if ((expr[i] === 'e' || expr[i] === 'E') && (expr[i + 1] === '+' || expr[i + 1] === '-')) i++;
        i++;
      }
      continue;
    }
    if (IDENT_START.test(c)) {
      let j = i;
      while (j < n && IDENT_PART.test(expr[j])) j++;
      const word = expr.slice(i, j);
      const next = skipSpace(j);
      const lower = word.toLowerCase();
      if (LABEL_LIST_KEYWORDS.has(lower)) {
        i = expr[next] === '(' ? skipGroup(next) : next;
        continue;
      }
      if (KEYWORDS.has(lower)) {
        i = next;
        if (lower === 'offset') {
          // offset -5m / offset 1h: skip the duration
          if (expr[i] === '-') i++;
          while (i < n && /[0-9A-Za-z]/.test(expr[i])) i++;
        }
        continue;
      }
      if (expr[next] === '(') { i = j; continue; } // a function or aggregation name
      if (AGGREGATIONS.has(lower) && /^(by|without)\b/i.test(expr.slice(next))) { i = j; continue; } // sum by (x) (...)
      names.add(word);
      i = j;
      continue;
    }
    i++; // operators, parentheses, commas, '@'
  }
  return { names, unresolved };
}

/** Metric names present in a Prometheus text exposition (sample lines and # TYPE lines). */
export function exposedMetricNames(text: string): Set<string> {
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\w+)/.exec(line);
    if (type) {
      out.add(type[1]);
      if (type[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) out.add(type[1] + s);
      if (type[2] === 'summary') for (const s of ['_sum', '_count']) out.add(type[1] + s);
      continue;
    }
    const m = /^([A-Za-z_:][A-Za-z0-9_:]*)[{ ]/.exec(line);
    if (m) out.add(m[1]);
  }
  return out;
}
