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
import { availableParallelism } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, workerData } from 'node:worker_threads';

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

/** The stale files of one project (src/ → dist/, the layout every project here has). */
function staleFiles(dir) {
  const [src, dist] = [join(dir, 'src'), join(dir, 'dist')];
  return sourcesOf(src).map((source) => ({ dir, source, out: join(dist, relative(src, source)).replace(/\.ts$/, '.js') })).filter((f) => newerThan(f.source, f.out));
}

function transpile(jobs) {
  const options = new Map();
  for (const { dir, source, out } of jobs) {
    if (!options.has(dir)) options.set(dir, emitOptions(dir));
    const result = ts.transpileModule(readFileSync(source, 'utf8'), { fileName: source, compilerOptions: options.get(dir), reportDiagnostics: true });
    const errors = (result.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
    if (errors.length) throw new Error(`${relative(root, source)}: ${errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('; ')}`);
    mkdirSync(dirname(out), { recursive: true });
    if (result.sourceMapText) writeFileSync(`${out}.map`, result.sourceMapText);
    writeFileSync(out, result.outputText);
  }
}

/** A fresh clone's few hundred files go to one thread per core (this thread takes a share too). */
async function transpileAll(jobs) {
  const threads = jobs.length >= 100 ? Math.min(availableParallelism(), 4) : 1;
  const shares = Array.from({ length: threads }, (_, t) => jobs.filter((_, i) => i % threads === t));
  const helpers = shares.slice(1).map(
    (share) =>
      new Promise((done, fail) => {
        const worker = new Worker(fileURLToPath(import.meta.url), { workerData: share });
        worker.once('error', fail);
        worker.once('exit', (code) => (code === 0 ? done() : fail(new Error(`transpile worker exited with ${code}`))));
      }),
  );
  transpile(shares[0]);
  await Promise.all(helpers);
}

if (!isMainThread) transpile(workerData);
else {
  const started = performance.now();
  const target = resolve(root, process.argv[2] ?? 'apps/standalone');
  const jobs = [...projectsFrom(target)].flatMap(staleFiles);
  if (jobs.length) {
    await transpileAll(jobs);
    console.log(`npm start: transpiled ${jobs.length} changed file${jobs.length === 1 ? '' : 's'} in ${Math.round(performance.now() - started)} ms (type checking: npm run build)`);
  }
  if (!existsSync(join(target, 'dist', 'main.js'))) throw new Error(`${relative(root, target)}/dist/main.js missing after the build`);
}
