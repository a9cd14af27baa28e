// scripts/check-project-refs.mjs finds every kind of disagreement it claims to, on small made-up
// trees, and finds none in this repository.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRefProblems } from './check-project-refs.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** A tree with libs/a (imports nothing), libs/b (imports a) and apps/c (imports b), all listed right. */
function tree(t, change = {}) {
  const root = mkdtempSync(join(tmpdir(), 'project-refs-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const projects = {
    'libs/a': { name: '@mail/a', deps: [], refs: [], src: 'export const a = 1;\n' },
    'libs/b': { name: '@mail/b', deps: ['@mail/a'], refs: ['../../libs/a'], src: "import { a } from '@mail/a';\nexport const b = a;\n" },
    'apps/c': { name: '@mail/app-c', deps: ['@mail/b'], refs: ['../../libs/b'], src: "import type { b } from '@mail/b/dist/index.js';\nexport type C = typeof b;\n" },
    ...change.projects,
  };
  for (const [dir, p] of Object.entries(projects)) {
    mkdirSync(join(root, dir, 'src'), { recursive: true });
    writeFileSync(join(root, dir, 'package.json'), JSON.stringify({ name: p.name, dependencies: Object.fromEntries(p.deps.map((d) => [d, '*'])) }));
    writeFileSync(join(root, dir, 'tsconfig.json'), JSON.stringify({ references: p.refs.map((path) => ({ path })) }));
    writeFileSync(join(root, dir, 'src', 'index.ts'), p.src);
  }
  writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({ files: [], references: (change.rootRefs ?? Object.keys(projects)).map((path) => ({ path })) }));
  return root;
}

test('a tree where every list agrees has no problems', (t) => {
  assert.deepEqual(projectRefProblems(tree(t)), []);
});

test('a dependency without its reference, and a reference without its dependency', (t) => {
  const root = tree(t, {
    projects: {
      'libs/b': { name: '@mail/b', deps: ['@mail/a'], refs: [], src: "import { a } from '@mail/a';\n" },
      'apps/c': { name: '@mail/app-c', deps: [], refs: ['../../libs/b'], src: "import { b } from '@mail/b';\n" },
    },
  });
  assert.deepEqual(projectRefProblems(root), [
    'libs/b: package.json depends on @mail/a but tsconfig.json has no reference to it',
    'apps/c: tsconfig.json references @mail/b but package.json does not depend on it',
  ]);
});

test('an import listed nowhere, and a listed project nothing imports', (t) => {
  const root = tree(t, {
    projects: {
      'libs/b': { name: '@mail/b', deps: [], refs: [], src: "export const b = (await import('@mail/a')).a;\n" },
      'apps/c': { name: '@mail/app-c', deps: ['@mail/b', '@mail/a'], refs: ['../../libs/b', '../../libs/a'], src: "import '@mail/b';\n" },
    },
  });
  assert.deepEqual(projectRefProblems(root), [
    'libs/b: libs/b/src/index.ts imports @mail/a, listed in neither package.json dependencies nor tsconfig.json references',
    'apps/c: package.json depends on @mail/a, which nothing in src imports',
  ]);
});

test('a reference to no project, and a project the root build leaves out', (t) => {
  const root = tree(t, {
    projects: { 'libs/b': { name: '@mail/b', deps: ['@mail/a'], refs: ['../../libs/a', '../../libs/gone'], src: "import { a } from '@mail/a';\n" } },
    rootRefs: ['libs/a', 'libs/b'],
  });
  assert.deepEqual(projectRefProblems(root), [
    'libs/b: tsconfig.json references ../../libs/gone, which is not a project',
    'tsconfig.json (root) has no reference to apps/c: `npm run build` would not build it',
  ]);
});

test('this repository has no disagreement', () => {
  assert.deepEqual(projectRefProblems(repo), []);
});
