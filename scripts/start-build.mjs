#!/usr/bin/env node
// `npm start`'s build (ADR 0042, ADR 0083): brings dist/ of the projects the embedded process runs
// (apps/standalone and the projects it references, transitively) up to date by transpiling each
// TypeScript file whose output is missing or older than its source, without type checking. A full
// `tsc -b` took ~30 s of a fresh clone's first start; TypeScript's own `transpileModule` ~14 s of
// CPU for the ~580 files; SWC (`@swc/core`, native) well under a second. A restart with nothing
// changed is a few stat calls. Type checking stays where it was: `npm run build`, `npm test`, CI
// (`tsc -b` builds a project whose .tsbuildinfo this script never writes, so it checks everything).
// Transpiling alone is what `tsc` emits for this code: every project compiles as isolated modules
// would (no const enums, no namespaces), and decorator metadata names the imported classes the same
// way (scripts/start-build.spec.mjs compares every class's metadata with tsc's and boots the result).
// SWC is used where it maps the project's compiler options (swcOptions); TypeScript's transpiler
// otherwise, or when @swc/core has no binary for this platform, or with START_BUILD=typescript.
//   node scripts/start-build.mjs [project dir, default apps/standalone] [--start]
// --start (`npm start`): then runs the project's dist/main.js in this process, one Node boot instead
// of three (the version check, this build, the embedded process); the embedded process re-executes
// itself with its V8 flags (ADR 0077), which runs this script again, and it finds nothing stale.
import './require-node.cjs'; // first: one clear line on a Node too old for what follows
import { existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, workerData } from 'node:worker_threads';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
let ts; // loaded only when a file needs transpiling: a restart with nothing changed stays a few stat calls

/**
 * The project at `dir` and every project it depends on, dependencies first: its tsconfig.json
 * references (plain JSON here) and its package.json's @mail/* dependencies (the workspace links
 * in node_modules), since a reference missing from one of the two lists breaks only `tsc -b` of that project.
 */
export function projectsFrom(dir, out = new Set()) {
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
export function sourcesOf(dir) {
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

/**
 * The compiler options of a project as tsconfig.json says (its `extends` chain merged), read as the
 * plain JSON every tsconfig here is, so that a build by SWC never loads TypeScript.
 */
function declaredOptions(file) {
  const config = JSON.parse(readFileSync(file, 'utf8'));
  const base = config.extends ? declaredOptions(resolve(dirname(file), config.extends)) : {};
  return { ...base, ...config.compilerOptions };
}

/** Compiler options with no effect on what a transpiler writes for one file (checks, declarations, layout). */
const EMIT_NEUTRAL = new Set(['lib', 'moduleResolution', 'strict', 'noImplicitOverride', 'noFallthroughCasesInSwitch', 'declaration', 'declarationMap', 'composite', 'incremental', 'skipLibCheck', 'forceConsistentCasingInFileNames', 'resolveJsonModule', 'types', 'rootDir', 'outDir', 'tsBuildInfoFile']);

/**
 * SWC's options that write what `tsc` writes for a project (CommonJS under `module: nodenext` in a
 * package without "type": "module", `import()` kept as Node's dynamic import, legacy decorators with
 * their `design:*` metadata, [[Define]] class fields as `tsc` does from ES2022 on, esModuleInterop's
 * helpers), or undefined for a project whose options it does not map: TypeScript transpiles that one.
 */
export function swcOptions(dir) {
  const o = declaredOptions(join(dir, 'tsconfig.json'));
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const target = String(o.target ?? '').toLowerCase();
  const known = ['target', 'module', 'experimentalDecorators', 'emitDecoratorMetadata', 'esModuleInterop', 'sourceMap', ...EMIT_NEUTRAL];
  const maps =
    /^es20(2[2-4])$/.test(target) &&
    ['nodenext', 'node16'].includes(String(o.module).toLowerCase()) &&
    pkg.type !== 'module' &&
    o.esModuleInterop === true &&
    o.experimentalDecorators === o.emitDecoratorMetadata &&
    Object.keys(o).every((k) => known.includes(k));
  if (!maps) return undefined;
  return {
    swcrc: false,
    configFile: false,
    sourceMaps: o.sourceMap === true,
    jsc: {
      target,
      parser: { syntax: 'typescript', decorators: o.experimentalDecorators === true },
      transform: { legacyDecorator: o.experimentalDecorators === true, decoratorMetadata: o.emitDecoratorMetadata === true, useDefineForClassFields: true },
    },
    module: { type: 'commonjs', ignoreDynamic: true },
  };
}

/** @swc/core, or undefined where it cannot load (no binary for this platform) or is not wanted. */
function loadSwc() {
  if (process.env.START_BUILD === 'typescript') return undefined;
  try {
    return createRequire(join(root, 'package.json'))('@swc/core');
  } catch {
    return undefined;
  }
}

/** SWC's transforms run on libuv's threads, all files at once: a fresh clone's files in well under a second. */
async function transpileWithSwc(swc, jobs) {
  await Promise.all(
    jobs.map(async ({ source, out, swc: options }) => {
      let result;
      try {
        result = await swc.transform(readFileSync(source, 'utf8'), { ...options, filename: source, sourceFileName: relative(dirname(out), source) });
      } catch (err) {
        throw new Error(`${relative(root, source)}: ${err.message ?? err}`);
      }
      mkdirSync(dirname(out), { recursive: true });
      let code = result.code;
      if (result.map) {
        writeFileSync(`${out}.map`, result.map);
        code += `\n//# sourceMappingURL=${basename(out)}.map`;
      }
      writeFileSync(out, code);
    }),
  );
}

/** A fresh clone's few hundred files go to one thread per core (this thread takes a share too). */
async function transpileWithTypeScript(jobs) {
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

/** Transpiles the stale files of `target`'s projects; returns how many, and by which transpiler. */
export async function startBuild(target) {
  const jobs = [...projectsFrom(target)].flatMap(staleFiles);
  if (!jobs.length) return { files: 0, swc: 0 };
  const swc = loadSwc();
  const options = new Map();
  for (const job of jobs) {
    if (swc && !options.has(job.dir)) options.set(job.dir, swcOptions(job.dir));
    job.swc = options.get(job.dir);
  }
  const bySwc = jobs.filter((j) => j.swc);
  await Promise.all([bySwc.length ? transpileWithSwc(swc, bySwc) : undefined, bySwc.length < jobs.length ? transpileWithTypeScript(jobs.filter((j) => !j.swc)) : undefined]);
  return { files: jobs.length, swc: bySwc.length };
}

if (!isMainThread) transpile(workerData);
else if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const target = resolve(root, process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 'apps/standalone');
  const { files, swc } = await startBuild(target);
  if (files) {
    const by = swc === files ? 'SWC' : swc ? `SWC, ${files - swc} by TypeScript` : 'TypeScript';
    console.log(`npm start: transpiled ${files} changed file${files === 1 ? '' : 's'} (${by}) in ${Math.round(performance.now() - started)} ms (type checking: npm run build)`);
  }
  const main = join(target, 'dist', 'main.js');
  if (!existsSync(main)) throw new Error(`${relative(root, target)}/dist/main.js missing after the build`);
  if (process.argv.includes('--start')) createRequire(import.meta.url)(main);
}
