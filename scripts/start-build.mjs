#!/usr/bin/env node
// `npm start`'s build (ADR 0042): brings dist/ of the projects the embedded process runs (apps/standalone
// and the projects it references, transitively) up to date by transpiling each TypeScript file whose
// output is missing or older than its source, one file at a time, without type checking. A full
// `tsc -b` took ~30 s of a fresh clone's first start; this takes a few seconds, and nothing on a
// restart with nothing changed. Type checking stays where it was: `npm run build`, `npm test`, CI
// (`tsc -b` builds a project whose .tsbuildinfo this script never writes, so it checks everything).
// Transpiling alone is what `tsc` emits for this code: every project compiles as isolated modules
// would (no const enums, no namespaces), and decorator metadata names the imported classes the same way.
import { existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
let ts; // loaded only when a file needs transpiling: a restart with nothing changed stays a few stat calls

/**
 * The project at `dir` and every project it depends on, dependencies first: its tsconfig.json
 * references (plain JSON here) and its package.json's @mail/* dependencies (the workspace links
 * in node_modules), since a reference missing from one of the two lists breaks only `tsc -b` of that project.
 */
function projectsFrom(dir, out = new Set()) {
  if (out.has(dir)) return out;
  out.add(dir);
  const config = JSON.parse(readFileSync(join(dir, 'tsconfig.json'), 'utf8'));
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const deps = [
    ...(config.references ?? []).map((ref) => resolve(dir, ref.path)),
    ...Object.keys(pkg.dependencies ?? {}).filter((name) => name.startsWith('@mail/')).map((name) => realpathSync(join(root, 'node_modules', name))),
  ];
  for (const dep of deps) projectsFrom(dep, out);
  return out;
}

/** Every TypeScript source of a project that runs (specs and declarations do not). */
function sourcesOf(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') && !e.name.endsWith('.spec.ts'))
    .map((e) => join(e.parentPath, e.name));
}

function newerThan(source, output) {
  try {
    return statSync(source).mtimeMs > statSync(output).mtimeMs;
  } catch {
    return true;
  }
}

/** The project's compiler options as `tsc` would use them (extends resolved), for emit only. */
function emitOptions(dir) {
  ts ??= createRequire(join(root, 'package.json'))('typescript');
  const parsed = ts.getParsedCommandLineOfConfigFile(join(dir, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); } });
  return { ...parsed.options, declaration: false, declarationMap: false, composite: false, incremental: false };
}

/** Transpiles the stale files of one project (src/ → dist/, the layout every project here has); the number it wrote. */
function buildProject(dir) {
  const [src, dist] = [join(dir, 'src'), join(dir, 'dist')];
  const stale = sourcesOf(src).map((source) => ({ source, out: join(dist, relative(src, source)).replace(/\.ts$/, '.js') })).filter((f) => newerThan(f.source, f.out));
  if (!stale.length) return 0;
  const options = emitOptions(dir);
  for (const { source, out } of stale) {
    const result = ts.transpileModule(readFileSync(source, 'utf8'), { fileName: source, compilerOptions: options, reportDiagnostics: true });
    const errors = (result.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
    if (errors.length) throw new Error(`${relative(root, source)}: ${errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('; ')}`);
    mkdirSync(dirname(out), { recursive: true });
    if (result.sourceMapText) writeFileSync(`${out}.map`, result.sourceMapText);
    writeFileSync(out, result.outputText);
  }
  return stale.length;
}

const started = performance.now();
const target = resolve(root, process.argv[2] ?? 'apps/standalone');
let files = 0;
for (const dir of projectsFrom(target)) files += buildProject(dir);
if (files) console.log(`npm start: transpiled ${files} changed file${files === 1 ? '' : 's'} in ${Math.round(performance.now() - started)} ms (type checking: npm run build)`);
if (!existsSync(join(target, 'dist', 'main.js'))) throw new Error(`${relative(root, target)}/dist/main.js missing after the build`);
