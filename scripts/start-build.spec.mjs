// scripts/start-build.mjs (`npm start`'s build, ADR 0042 and 0083) on a copy of the start path's
// projects without dist/: it transpiles every source with SWC, a second run finds nothing stale,
// every class its output defines carries the decorator metadata `tsc`'s output carries (NestJS
// injects by `design:paramtypes`), and the embedded process built only by it answers /readyz.
// Needs `npm run build` first (the tsc output it compares with), as every spec here does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { embeddedEnv, untilReady } from '../bench/lib/embedded-env.mjs';
import { projectsFrom, sourcesOf } from './start-build.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const startPath = [...projectsFrom(join(repo, 'apps', 'standalone'))];

/**
 * The start path's projects (without dist/) and the root files start-build reads, in a new
 * directory whose node_modules links every installed package but the workspace's, which point at the copies.
 */
function copyOfStartPath() {
  const root = mkdtempSync(join(tmpdir(), 'start-build-'));
  for (const dir of startPath) cpSync(dir, join(root, relative(repo, dir)), { recursive: true, filter: (p) => !/[/\\](dist|node_modules)$/.test(p) });
  for (const file of ['package.json', 'tsconfig.base.json', '.nvmrc', 'scripts/start-build.mjs', 'scripts/require-node.cjs']) cpSync(join(repo, file), join(root, file));
  mkdirSync(join(root, 'node_modules', '@mail'), { recursive: true });
  for (const name of readdirSync(join(repo, 'node_modules'))) if (name !== '@mail') symlinkSync(join(repo, 'node_modules', name), join(root, 'node_modules', name));
  for (const dir of startPath) {
    const { name } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    symlinkSync(join(root, relative(repo, dir)), join(root, 'node_modules', name));
  }
  return root;
}

/**
 * Loads every module a tree's start path has in dist/ (but main.js and what it runs first) and
 * lists, per class, the `design:*` metadata of the class and of its members, by type name.
 */
const METADATA_DUMP = `
require('reflect-metadata');
const { join } = require('node:path');
const [root, ...files] = JSON.parse(process.argv[1]);
const name = (t) => (t === undefined ? 'undefined' : typeof t === 'function' ? t.name : String(t));
const keys = ['design:paramtypes', 'design:type', 'design:returntype'];
const out = {};
for (const file of files) {
  const exported = require(join(root, file));
  for (const [exportName, value] of Object.entries(exported)) {
    if (typeof value !== 'function' || !value.prototype) continue;
    const entry = {};
    for (const key of keys) if (Reflect.hasOwnMetadata(key, value) && key === 'design:paramtypes') entry[key] = Reflect.getOwnMetadata(key, value).map(name);
    for (const [where, target] of [['', value.prototype], ['static ', value]])
      for (const member of Object.getOwnPropertyNames(target))
        for (const key of keys) if (Reflect.hasOwnMetadata(key, target, member)) entry[where + member + ' ' + key] = [].concat(Reflect.getOwnMetadata(key, target, member)).map(name);
    if (Object.keys(entry).length) out[file + ' ' + exportName] = entry;
  }
}
process.stdout.write(JSON.stringify(out));
process.exit(0);
`;

function metadataOf(root) {
  const skip = new Set(['apps/standalone/dist/main.js', 'apps/standalone/dist/process-settings.js', 'apps/standalone/dist/compile-cache.js']);
  const files = startPath
    .flatMap((dir) => sourcesOf(join(dir, 'src')).map((source) => relative(repo, source).replace(/[/\\]src[/\\](.*)\.ts$/, '/dist/$1.js')))
    .filter((f) => !skip.has(f));
  return JSON.parse(execFileSync(process.execPath, ['-e', METADATA_DUMP, JSON.stringify([root, ...files])], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, LOG_LEVEL: 'silent' } }));
}

test('start-build transpiles the start path with SWC into output with tsc-equal metadata that boots to /readyz', { timeout: 600_000 }, async (t) => {
  const root = copyOfStartPath();
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const build = () => execFileSync(process.execPath, [join(root, 'scripts', 'start-build.mjs')], { cwd: root, encoding: 'utf8' });

  const first = build();
  const files = startPath.flatMap((dir) => sourcesOf(join(dir, 'src'))).length;
  assert.match(first, new RegExp(`transpiled ${files} changed files \\(SWC\\)`), first);
  assert.equal(build(), '', 'a second run finds nothing stale');

  await t.test('every class has the decorator metadata tsc gives it', () => {
    const swc = metadataOf(root);
    const tsc = metadataOf(repo);
    assert.ok(Object.keys(tsc).length > 30, `${Object.keys(tsc).length} classes with metadata in tsc's output`);
    // A parameter typed by something imported only as a type (`import type { Bus }`) is `Function`
    // in tsc's metadata when that is a class, `Object` in a transpiler's, which cannot look: neither
    // is a type NestJS can inject (such a parameter is given by @Inject(token) or a factory).
    const norm = (entry) => JSON.stringify(entry).replaceAll('"Function"', '"Object"');
    const differ = Object.entries(tsc).filter(([cls, entry]) => norm(swc[cls]) !== norm(entry)).map(([cls, entry]) => `${cls}: tsc ${JSON.stringify(entry)} swc ${JSON.stringify(swc[cls])}`);
    assert.deepEqual(differ, []);
  });

  await t.test('`npm start`s command runs the embedded process built by it alone to /readyz', async () => {
    const { ports, env } = await embeddedEnv({ NODE_ENV: 'production', DATA_DIR: join(root, 'data'), NODE_COMPILE_CACHE: join(root, 'compile-cache') });
    const child = spawn(process.execPath, [join(root, 'scripts', 'start-build.mjs'), '--start'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      await untilReady(child, ports, performance.now());
      const openapi = await fetch(`http://127.0.0.1:${ports.admin}/api/openapi.json`).then((r) => r.json());
      assert.ok(Object.keys(openapi.paths ?? {}).length > 10, 'the admin API documents its routes');
    } finally {
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
    }
  });
});
