import { isNode, LineCounter, parseDocument, stringify, type Document } from 'yaml';
import { ConnectorInput, type ConnectorFields } from '@mail/contracts';
import type { ConnectorSettings } from './connector-settings.js';

export interface ImportProblem {
  line: number;
  message: string;
}

export type ParsedImport = { ok: true; connectors: ConnectorFields[]; /** the line each connector starts at */ lines: number[] } | { ok: false; problems: ImportProblem[] };

/** The file `mailctl connector export` writes: every connector, the password sealed (a reference only this platform's key opens). */
export function connectorsToYaml(connectors: Array<{ settings: ConnectorSettings; authPasswordSealed: string | null }>, now = new Date()): string {
  const list = connectors.map((c) => ({ ...c.settings, ...(c.authPasswordSealed ? { authPassword: { sealed: c.authPasswordSealed } } : {}) }));
  return `# mail platform connectors, exported ${now.toISOString()}\n# mailctl connector import <file> [--dry-run]\n${stringify({ connectors: list }, { lineWidth: 0 })}`;
}

/**
 * Reads an import file and checks every connector in it, collecting every problem with its line
 * (1-based) instead of stopping at the first: the administrator fixes the file in one go.
 */
export function parseConnectorsYaml(text: string): ParsedImport {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineOf = (offset: number | undefined) => (offset === undefined ? 1 : lineCounter.linePos(offset).line);
  if (doc.errors.length) return { ok: false, problems: doc.errors.map((e) => ({ line: lineOf(e.pos[0]), message: e.message.split('\n')[0] })) };

  const root: unknown = doc.toJS();
  const listPath: Array<string | number> = Array.isArray(root) ? [] : ['connectors'];
  const list = Array.isArray(root) ? root : (root as { connectors?: unknown } | null)?.connectors;
  if (root !== null && !Array.isArray(root) && (typeof root !== 'object' || Object.keys(root).some((k) => k !== 'connectors'))) {
    return { ok: false, problems: [{ line: 1, message: 'the file must be a list of connectors, or a mapping with one key: connectors' }] };
  }
  if (list === undefined || list === null) return { ok: true, connectors: [], lines: [] };
  if (!Array.isArray(list)) return { ok: false, problems: [{ line: nodeLine(doc, listPath, lineOf), message: 'connectors must be a list' }] };

  const problems: ImportProblem[] = [];
  const connectors: ConnectorFields[] = [];
  const lines: number[] = [];
  const seen = new Map<string, number>();
  list.forEach((item, i) => {
    const parsed = ConnectorInput.safeParse(item);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const path = [...listPath, i, ...(issue.path as Array<string | number>)];
        const label = typeof (item as { name?: unknown })?.name === 'string' ? `connector ${(item as { name: string }).name}` : `connector #${i + 1}`;
        const field = issue.path.length ? `${issue.path.join('.')}: ` : '';
        const message = issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : issue.message;
        problems.push({ line: nodeLine(doc, path, lineOf), message: `${label}: ${field}${message}` });
      }
      return;
    }
    const key = parsed.data.name.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) problems.push({ line: nodeLine(doc, [...listPath, i, 'name'], lineOf), message: `connector ${parsed.data.name}: name used twice (first at line ${first})` });
    else seen.set(key, nodeLine(doc, [...listPath, i, 'name'], lineOf));
    connectors.push(parsed.data);
    lines.push(nodeLine(doc, [...listPath, i], lineOf));
  });
  problems.sort((a, b) => a.line - b.line);
  return problems.length ? { ok: false, problems } : { ok: true, connectors, lines };
}

/** The line of the deepest node on `path` that exists (a missing field points at its connector). */
function nodeLine(doc: Document, path: Array<string | number>, lineOf: (offset: number | undefined) => number): number {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return lineOf(node.range[0]);
  }
  return 1;
}
