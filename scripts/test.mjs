#!/usr/bin/env node
// Runs every test the project has, in phases, and ends with one line "N passed, N failed".
//   0. lint, with the module-boundary rules, and the project references check (scripts/check-project-refs.mjs)
//   1. unit + integration tests beside the code (libs/*, apps/*) and the deployment checks
//   2. end-to-end scenario, embedded mode (one process: PGlite, blob directory, in-process bus)
//   3. end-to-end scenario, distributed mode (every service a child process; real PostgreSQL and NATS,
//      an in-test S3 server) — skipped when PostgreSQL/NATS are unreachable, mandatory when CI=true.
//   4. the benchmark harness in its quick mode against this platform (proves `npm run bench` works)
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join, relative } from 'node:path';
import { tmpdir } from 'node:os';

const root = new URL('..', import.meta.url).pathname;
const only = process.argv[2]; // optional: unit | embedded | distributed

function findSpecs(dir, acc = []) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return acc;
  }
  for (const name of entries) {
    if (name === 'node_modules') continue;
    const p = join(dir, name);
    const s = statSync(p);
    if (s.isDirectory()) findSpecs(p, acc);
    else if (/\.spec\.(js|mjs)$/.test(name)) acc.push(p);
  }
  return acc;
}

const distSpecs = (base) =>
  readdirSync(join(root, base))
    .flatMap((project) => findSpecs(join(root, base, project, 'dist')))
    .map((p) => relative(root, p));

function reachable(port) {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
    s.setTimeout(1000, () => {
      s.destroy();
      resolve(false);
    });
  });
}

async function runPhase(name, files, env = {}, concurrency = 2) {
  if (!files.length) return { pass: 0, fail: 0 };
  console.log(`\n=== ${name}: ${files.length} test file(s) ===`);
  const tap = join(tmpdir(), `mail-test-${process.pid}-${name.replace(/\W/g, '_')}.tap`);
  // --test-force-exit: a file whose tests are done but that leaked a handle (a half-started server) ends
  // instead of holding the whole run until CI's limit (seen: a DNS server left open by a failed start)
  const args = ['--test', '--test-force-exit', `--test-concurrency=${concurrency}`, '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tap}`, ...files];
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('exit', (c) => resolve(c ?? 1));
  });
  let pass = 0;
  let fail = 0;
  try {
    const text = readFileSync(tap, 'utf8');
    pass = Number(/^# pass (\d+)/m.exec(text)?.[1] ?? 0);
    fail = Number(/^# fail (\d+)/m.exec(text)?.[1] ?? 0);
    rmSync(tap, { force: true });
  } catch {
    fail += 1;
  }
  if (code !== 0 && fail === 0) fail = 1; // a crash outside any test still fails the run
  return { pass, fail };
}

const totals = { pass: 0, fail: 0 };
const add = (r) => {
  totals.pass += r.pass;
  totals.fail += r.fail;
};

const infraUp = (await reachable(5432)) && (await reachable(4222));
const ci = process.env.CI === 'true';
const integrationEnv = infraUp
  ? { TEST_DATABASE_URL: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', TEST_NATS_URL: process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222' }
  : {};

if (!only || only === 'lint') {
  // Module boundaries are part of the architecture: a lint failure fails the run like a test.
  console.log('\n=== lint (eslint, incl. @nx/enforce-module-boundaries) ===');
  const lintEnv = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' };
  // The boundary rule reads Nx's project graph: compute it first.
  // Without it the rule only warns "No cached ProjectGraph" and checks nothing, so a failure here
  // fails the lint phase rather than letting the boundaries go unchecked.
  const nxBin = join(root, 'node_modules/nx', JSON.parse(readFileSync(join(root, 'node_modules/nx/package.json'), 'utf8')).bin.nx);
  const graphCode = await new Promise((resolve) => spawn(process.execPath, [nxBin, 'show', 'projects'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env: lintEnv }).on('exit', (c) => resolve(c ?? 1)));
  const code = graphCode !== 0 ? graphCode : await new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'node_modules/eslint/bin/eslint.js'), '.'], { cwd: root, stdio: 'inherit', env: lintEnv });
    child.on('exit', (c) => resolve(c ?? 1));
  });
  add(code === 0 ? { pass: 1, fail: 0 } : { pass: 0, fail: 1 });
  // package.json dependencies and tsconfig.json references agree with each other and with the imports
  const refsCode = await new Promise((resolve) => spawn(process.execPath, [join(root, 'scripts/check-project-refs.mjs')], { cwd: root, stdio: 'inherit' }).on('exit', (c) => resolve(c ?? 1)));
  add(refsCode === 0 ? { pass: 1, fail: 0 } : { pass: 0, fail: 1 });
}
if (!only || only === 'unit') {
  const unit = [...distSpecs('libs'), ...distSpecs('apps'), ...findSpecs(join(root, 'test/deploy')).map((p) => relative(root, p)), ...findSpecs(join(root, 'scripts')).map((p) => relative(root, p)), ...findSpecs(join(root, 'test/fuzz/dist')).map((p) => relative(root, p))];
  add(await runPhase('unit and integration', unit, integrationEnv));
}
const e2e = findSpecs(join(root, 'test/e2e/dist')).map((p) => relative(root, p));
if (!only || only === 'embedded') {
  add(await runPhase('end-to-end, embedded mode', e2e.filter((f) => !f.includes('distributed')), {}, 1));
}
if (!only || only === 'distributed') {
  if (infraUp) {
    add(await runPhase('end-to-end, distributed mode', e2e.filter((f) => f.includes('distributed')), integrationEnv, 1));
  } else if (ci) {
    console.error('CI=true but PostgreSQL (5432) or NATS (4222) is not reachable: the distributed tests are mandatory');
    totals.fail += 1;
  } else {
    console.log('\n(distributed end-to-end tests skipped: PostgreSQL or NATS not reachable on 127.0.0.1)');
  }
}

if (!only || only === 'bench') {
  // The benchmark harness itself, small: it must start the platform, load it and lose nothing.
  // Figures from this run mean little (CI machine, tiny sizes); `npm run bench` is the real run.
  if (infraUp) {
    console.log('\n=== benchmark harness, quick (this platform only) ===');
    const resultsDir = join(tmpdir(), `mail-bench-quick-${process.pid}`);
    const code = await new Promise((resolve) => {
      const child = spawn(process.execPath, [join(root, 'bench/run.mjs'), '--quick', '--only=platform', `--results-dir=${resultsDir}`], { cwd: root, stdio: 'inherit', env: { ...process.env, ...integrationEnv } });
      child.on('exit', (c) => resolve(c ?? 1));
    });
    rmSync(resultsDir, { recursive: true, force: true });
    console.log(code === 0 ? 'ok - benchmark harness (quick)' : 'not ok - benchmark harness (quick)');
    add(code === 0 ? { pass: 1, fail: 0 } : { pass: 0, fail: 1 });
  } else if (ci) {
    console.error('CI=true but PostgreSQL or NATS is not reachable: the quick benchmark cannot run');
    totals.fail += 1;
  }
}

console.log(`\n${totals.pass} passed, ${totals.fail} failed`);
process.exit(totals.fail ? 1 : 0);
