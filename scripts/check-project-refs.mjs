#!/usr/bin/env node
// Checks what docs/CONVENTIONS.md asks of every project (libs/*, apps/*, test/*): a dependency on
// another project is listed twice, in package.json `dependencies` and as a tsconfig.json
// `references` entry, and the two lists agree with what the project's sources import.
//   - a reference missing: `tsc -b` may build the project before the one it uses and only works
//     by the luck of the root tsconfig's order (seen: libs/platform and @mail/trace);
//   - a dependency missing: the Nx graph (module boundaries, `nx affected`) and the start build's
//     walk (scripts/start-build.mjs) do not know the edge;
//   - a listed project nothing imports: a false edge that builds and checks more than needed.
// Also: the root tsconfig.json references every project, and every reference points at a project.
// Usage: node scripts/check-project-refs.mjs [root]; prints the problems and exits 1 when any.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PROJECT_DIRS = ['libs', 'apps', 'test'];
const SCOPE = '@mail/';
// `from '@mail/x'`, `import('@mail/x')`, `require('@mail/x')`, `import '@mail/x'` (subpaths count as x)
const IMPORT = /(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|\bimport\s+)['"](@mail\/[\w.-]+)/g;

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

function sourceFiles(dir, acc = []) {
  if (!existsSync(dir)) return acc;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sourceFiles(p, acc);
    else if (/\.(?:[cm]?ts|[cm]?js)$/.test(name) && !name.endsWith('.d.ts')) acc.push(p);
  }
  return acc;
}

/** Every directory under libs/, apps/ and test/ with both a package.json and a tsconfig.json. */
export function findProjects(root) {
  const out = [];
  for (const base of PROJECT_DIRS) {
    const baseDir = join(root, base);
    if (!existsSync(baseDir)) continue;
    for (const name of readdirSync(baseDir).sort()) {
      const dir = join(baseDir, name);
      if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'tsconfig.json'))) out.push(resolve(dir));
    }
  }
  return out;
}

/** The problems found, one line each naming the project and what to change; none when all agree. */
export function projectRefProblems(root) {
  root = resolve(root);
  const problems = [];
  const projects = findProjects(root);
  const nameByDir = new Map(projects.map((dir) => [dir, readJson(join(dir, 'package.json')).name]));
  const where = (dir) => relative(root, dir) || '.';

  for (const dir of projects) {
    const pkg = readJson(join(dir, 'package.json'));
    const tsconfig = readJson(join(dir, 'tsconfig.json'));
    const listed = new Set(Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((n) => n.startsWith(SCOPE)));
    const referenced = new Set();
    for (const ref of tsconfig.references ?? []) {
      const target = resolve(dir, ref.path);
      const name = nameByDir.get(target);
      if (name) referenced.add(name);
      else problems.push(`${where(dir)}: tsconfig.json references ${ref.path}, which is not a project`);
    }
    const imported = new Map(); // package -> first file importing it
    for (const file of sourceFiles(join(dir, 'src'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
        if (m[1] !== pkg.name && !imported.has(m[1])) imported.set(m[1], relative(root, file));
      }
    }
    for (const name of listed) {
      if (!referenced.has(name)) problems.push(`${where(dir)}: package.json depends on ${name} but tsconfig.json has no reference to it`);
      if (!imported.has(name)) problems.push(`${where(dir)}: package.json depends on ${name}, which nothing in src imports`);
    }
    for (const name of referenced) {
      if (!listed.has(name)) problems.push(`${where(dir)}: tsconfig.json references ${name} but package.json does not depend on it`);
    }
    for (const [name, file] of imported) {
      if (!listed.has(name) && !referenced.has(name)) problems.push(`${where(dir)}: ${file} imports ${name}, listed in neither package.json dependencies nor tsconfig.json references`);
    }
  }

  const rootConfig = join(root, 'tsconfig.json');
  if (existsSync(rootConfig)) {
    const built = new Set((readJson(rootConfig).references ?? []).map((ref) => resolve(root, ref.path)));
    for (const dir of projects) if (!built.has(dir)) problems.push(`tsconfig.json (root) has no reference to ${where(dir)}: \`npm run build\` would not build it`);
  }
  return problems;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = process.argv[2] ?? resolve(fileURLToPath(import.meta.url), '..', '..');
  const problems = projectRefProblems(root);
  for (const p of problems) console.error(`project refs: ${p}`);
  console.log(problems.length ? `project refs: ${problems.length} problem(s) (docs/CONVENTIONS.md, Projects)` : 'project refs: every project lists its dependencies in package.json and tsconfig.json alike');
  process.exit(problems.length ? 1 : 0);
}
