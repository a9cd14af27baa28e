// Runs Prometheus's own checker over the shipped rules and config, so what Prometheus would refuse
// at start-up (an unknown template function, a PromQL syntax error, a bad duration) fails CI
// instead of an operator's deploy. `.ci/run` installs promtool from Debian's `prometheus` package.
//
//   promtool check rules   deploy/prometheus/alerts.yml, each source group, the k8s PrometheusRule's groups
//   promtool check config  deploy/prometheus/prometheus.yml (rule_files pointed at the repo's alerts.yml)
//   promtool test rules    deploy/prometheus/tests/*.yml (and every alert must appear in one)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import YAML from 'yaml';

export function findPromtool() {
  for (const d of (process.env.PATH ?? '').split(':')) if (d && existsSync(join(d, 'promtool'))) return join(d, 'promtool');
  return null;
}

function run(promtool, args, cwd) {
  try {
    execFileSync(promtool, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    return null;
  } catch (err) {
    const out = `${err.stdout ?? ''}\n${err.stderr ?? ''}`.split('\n').map((l) => l.trim()).filter((l) => l && !/^Checking |^SUCCESS|^Unit Testing:/.test(l));
    return out.join(' | ') || err.message;
  }
}

/** null when promtool is not installed, else a list of { file, message } (empty when all is well). */
export function promtoolProblems(root) {
  const promtool = findPromtool();
  if (!promtool) return null;
  const problems = [];
  const tmp = mkdtempSync(join(tmpdir(), 'promtool-'));
  const check = (file, args, cwd = root) => {
    const err = run(promtool, args, cwd);
    if (err) problems.push({ file, message: `promtool ${args.slice(0, 2).join(' ')}: ${err}` });
  };
  try {
    const alerts = join(root, 'deploy', 'prometheus', 'alerts.yml');
    if (!existsSync(alerts)) return problems; // reported as missing by the caller
    check('deploy/prometheus/alerts.yml', ['check', 'rules', alerts]);

    const srcDir = join(root, 'deploy', 'prometheus', 'rules');
    for (const f of existsSync(srcDir) ? readdirSync(srcDir).filter((n) => /\.ya?ml$/.test(n)).sort() : []) {
      const t = join(tmp, `src-${f}`);
      writeFileSync(t, YAML.stringify({ groups: [YAML.parse(readFileSync(join(srcDir, f), 'utf8'))] }));
      check(relative(root, join(srcDir, f)), ['check', 'rules', t]);
    }

    const prFile = join(root, 'deploy', 'k8s', 'components', 'monitoring', 'prometheusrule.yaml');
    if (existsSync(prFile)) {
      const t = join(tmp, 'prometheusrule-groups.yml');
      writeFileSync(t, YAML.stringify({ groups: YAML.parse(readFileSync(prFile, 'utf8'))?.spec?.groups ?? [] }));
      check(relative(root, prFile), ['check', 'rules', t]);
    }

    // The config names the path inside the container; check it against the repository's copy.
    const confFile = join(root, 'deploy', 'prometheus', 'prometheus.yml');
    if (existsSync(confFile)) {
      const conf = YAML.parse(readFileSync(confFile, 'utf8'));
      conf.rule_files = (conf.rule_files ?? []).map(() => alerts);
      const t = join(tmp, 'prometheus.yml');
      writeFileSync(t, YAML.stringify(conf));
      check('deploy/prometheus/prometheus.yml', ['check', 'config', t]);
    }

    const testDir = join(root, 'deploy', 'prometheus', 'tests');
    const tests = existsSync(testDir) ? readdirSync(testDir).filter((n) => /\.ya?ml$/.test(n)).sort() : [];
    const tested = new Set();
    for (const f of tests) {
      check(`deploy/prometheus/tests/${f}`, ['test', 'rules', f], testDir);
      for (const m of readFileSync(join(testDir, f), 'utf8').matchAll(/alertname:\s*["']?(\w+)/g)) tested.add(m[1]);
    }
    const groups = YAML.parse(readFileSync(alerts, 'utf8'))?.groups ?? [];
    for (const r of groups.flatMap((g) => g.rules ?? [])) {
      if (r.alert && !tested.has(r.alert)) problems.push({ file: 'deploy/prometheus/tests', message: `alert ${r.alert} has no promtool unit test` });
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return problems;
}
