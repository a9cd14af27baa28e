// The deployment files pass scripts/validate-deploy.mjs, and the validator really catches the
// mistakes it claims to (otherwise a green run would mean nothing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateDeploy } from '../../scripts/validate-deploy.mjs';
import { renderAlerts } from '../../scripts/render-alerts.mjs';
import { staleDashboardFiles } from '../../scripts/render-dashboards.mjs';
import { findPromtool } from '../../scripts/promtool.mjs';
import { findKubectl, schemaProblems, validateK8sSchemas } from '../../scripts/k8s-schemas.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function tempDir(t) {
  const dir = mkdtempSync(join(tmpdir(), 'validate-deploy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// A copy of the repository's deployment files (and the app manifests the compose file points at).
function copyOfRepo(t) {
  const dir = tempDir(t);
  for (const p of ['docker-compose.yml', 'Dockerfile', '.dockerignore', 'deploy']) cpSync(join(root, p), join(dir, p), { recursive: true });
  for (const app of ['smtp-in', 'delivery', 'access', 'auth', 'store', 'admin-api', 'migration', 'standalone', 'mailctl']) {
    mkdirSync(join(dir, 'apps', app), { recursive: true });
    writeFileSync(join(dir, 'apps', app, 'package.json'), '{}');
  }
  return dir;
}

const edit = (dir, file, fn) => writeFileSync(join(dir, file), fn(readFileSync(join(dir, file), 'utf8')));
const hasFailure = (failures, re) => failures.some((f) => re.test(f));

test('the repository deployment files pass', () => {
  const { passed, failures } = validateDeploy(root);
  assert.deepEqual(failures, []);
  assert.ok(passed > 500, `only ${passed} checks ran`);
});

test('an untouched copy passes without kubectl, so the fixtures below isolate one mistake each', (t) => {
  const dir = copyOfRepo(t);
  assert.deepEqual(validateDeploy(dir, { kubectl: false, promtool: false }).failures, []);
});

test('a broken compose file is reported service by service', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'docker-compose.yml'), [
    'version: "3.9"',
    'services:',
    '  web:',
    '    environment:',
    '      "BAD-KEY": x',
    '      OK: ${UNCLOSED',
    '    ports: ["99999:80", "8080:80"]',
    '    depends_on:',
    '      ghost:',
    '        condition: service_healthy',
    '      db:',
    '        condition: service_healthy',
    '    volumes: ["undeclared:/data", "./missing-dir:/x"]',
    '    depend_on: [db]',
    '  db:',
    '    image: postgres',
    '  other:',
    '    image: nginx:latest',
    '    ports: ["8080:80"]',
    '    healthcheck:',
    '      test: ["CMD", "true"]',
    '      interval: 5 seconds',
  ].join('\n'));
  const { failures } = validateDeploy(dir, { kubectl: false, promtool: false });
  const expected = [
    /"version" is obsolete/,
    /services\.web: needs "image" or "build"/,
    /services\.web: unknown key "depend_on"/,
    /services\.web\.environment: invalid variable name "BAD-KEY"/,
    /malformed interpolation/,
    /ports: "99999:80" has a port outside 1-65535/,
    /services\.web\.depends_on: no service named "ghost"/,
    /depends_on\.db: waits for service_healthy but "db" has no healthcheck/,
    /named volume "undeclared" is not declared/,
    /bind source "\.\/missing-dir" does not exist/,
    /services\.db: no healthcheck/,
    /services\.db\.image "postgres" must pin a tag/,
    /services\.other\.image "nginx:latest" must pin a tag/,
    /host port \*:8080\/tcp already published by web/,
    /healthcheck\.interval "5 seconds" is not a duration/,
    /services\.smtp-in: the platform needs this service/,
  ];
  for (const re of expected) assert.ok(hasFailure(failures, re), `expected a failure matching ${re}\n${failures.join('\n')}`);
});

test('a depends_on cycle is reported', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'docker-compose.yml'), 'services:\n  a:\n    image: x:1\n    depends_on: [b]\n  b:\n    image: x:1\n    depends_on: [a]\n');
  assert.ok(hasFailure(validateDeploy(dir, { kubectl: false, promtool: false }).failures, /depends_on cycle: a -> b -> a/));
});

test('Dockerfile lint: unpinned base, root user, ADD of a URL, no healthcheck', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'Dockerfile'), [
    'FROM node:latest',
    'ADD https://example.com/tool.tar.gz /opt/',
    'RUN apt-get install curl',
    'ENV API_TOKEN=abc',
    'CMD ["node", "main.js"]',
  ].join('\n'));
  const { failures } = validateDeploy(dir, { kubectl: false, promtool: false });
  for (const re of [/FROM node:latest must not use the latest tag/, /ADD of a URL/, /never sets USER/, /no HEALTHCHECK/,
    /apt-get install without apt-get update/, /--no-install-recommends/, /secrets must not be baked into ENV/,
    /multi-stage/, /\.dockerignore: missing/]) {
    assert.ok(hasFailure(failures, re), `expected a failure matching ${re}\n${failures.join('\n')}`);
  }
});

test('a Deployment without a readiness probe, limits or read-only root is caught', (t) => {
  const dir = copyOfRepo(t);
  edit(dir, 'deploy/k8s/base/deployments/store.yaml', (s) => s
    .replace(/ {10}readinessProbe:\n(?: {12}.*\n)+/, '')
    .replace(/ {12}limits:\n(?: {14}.*\n)+/, '')
    .replace('readOnlyRootFilesystem: true', 'readOnlyRootFilesystem: false'));
  const { failures } = validateDeploy(dir, { kubectl: false, promtool: false });
  for (const re of [/Deployment\/store container store: readinessProbe \(httpGet \/readyz\) missing/,
    /Deployment\/store container store: resources\.limits\.cpu missing/,
    /Deployment\/store container store: securityContext\.readOnlyRootFilesystem must be true/]) {
    assert.ok(hasFailure(failures, re), `expected a failure matching ${re}\n${failures.join('\n')}`);
  }
});

test('kustomization entries must exist and every manifest must be referenced', (t) => {
  const dir = copyOfRepo(t);
  edit(dir, 'deploy/k8s/base/kustomization.yaml', (s) => s.replace('  - pdb.yaml\n', '  - pbd.yaml\n'));
  const { failures } = validateDeploy(dir, { kubectl: false, promtool: false });
  assert.ok(hasFailure(failures, /resources: "pbd\.yaml" does not exist/), failures.join('\n'));
  assert.ok(hasFailure(failures, /pdb\.yaml: not referenced by any kustomization/), failures.join('\n'));
});

test('dashboards must use a provisioned datasource and known metrics; rules need expr', (t) => {
  const dir = copyOfRepo(t);
  edit(dir, 'deploy/grafana/dashboards/overview.json', (s) => s
    .replace('"uid": "prometheus"', '"uid": "prom-typo"')
    .replace('mail_queue_depth', 'mail_queue_dept'));
  edit(dir, 'deploy/prometheus/alerts.yml', (s) => s.replace(/ +expr: up\{job=~"[^"]+"\} == 0\n/, ''));
  const { failures } = validateDeploy(dir, { kubectl: false, promtool: false });
  for (const re of [/datasource uid "prom-typo" is not provisioned/, /unknown metric mail_queue_dept/,
    /MailServiceDown: no expr/, /alerts\.yml: differs from deploy\/prometheus\/rules/]) {
    assert.ok(hasFailure(failures, re), `expected a failure matching ${re}\n${failures.join('\n')}`);
  }
});

test('an overlay that kubectl cannot render is reported (when kubectl is installed)', (t) => {
  if (!findKubectl()) return t.skip('kubectl not on PATH');
  const dir = copyOfRepo(t);
  edit(dir, 'deploy/k8s/overlays/dev/hpa-patch.yaml', (s) => s.replace('/spec/minReplicas', '/spec/noSuchField/minReplicas'));
  const { failures } = validateDeploy(dir, { kubectl: true });
  assert.ok(hasFailure(failures, /overlays\/dev: kubectl kustomize failed/), failures.join('\n'));
});

test('drain time longer than the stop grace period is caught in compose and Kubernetes', (t) => {
  const dir = copyOfRepo(t);
  edit(dir, 'docker-compose.yml', (s) => s.replace('SHUTDOWN_GRACE_MS: "50000"', 'SHUTDOWN_GRACE_MS: "90000"'));
  edit(dir, 'deploy/k8s/base/deployments/auth.yaml', (s) => s.replace('value: "20000"', 'value: "60000"'));
  const { failures } = validateDeploy(dir, { kubectl: false, promtool: false });
  assert.ok(hasFailure(failures, /services\.\S+: stop_grace_period 60s is shorter than SHUTDOWN_GRACE_MS 90000/), failures.join('\n'));
  assert.ok(hasFailure(failures, /Deployment\/auth container auth: terminationGracePeriodSeconds 30 < preStop 5s \+ SHUTDOWN_GRACE_MS 60000ms/), failures.join('\n'));
});

test('the deployed alert files are exactly what the rules source renders', () => {
  const { files, groups } = renderAlerts(root);
  for (const [p, text] of Object.entries(files)) assert.equal(readFileSync(join(root, p), 'utf8'), text, `${p} is stale: node scripts/render-alerts.mjs`);
  assert.ok(groups.flatMap((g) => g.rules).every((r) => !r.alert || r.annotations.runbook_url.startsWith('docs/operations.md#')));
  // and every runbook anchor exists in docs/operations.md
  const headings = new Set([...readFileSync(join(root, 'docs/operations.md'), 'utf8').matchAll(/^#+ +(.+)$/gm)].map((m) => m[1].trim().toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-')));
  for (const r of groups.flatMap((g) => g.rules).filter((x) => x.alert)) assert.ok(headings.has(r.alert.toLowerCase()), `docs/operations.md has no section "${r.alert}"`);
});

test('a template function Prometheus lacks is caught without promtool, and by promtool when installed', (t) => {
  const dir = copyOfRepo(t);
  edit(dir, 'deploy/prometheus/rules/resources.yml', (s) => s.replace('humanizePercentage', 'humanizeBytes'));
  // render the broken source into both deployed copies, as a developer would
  for (const [p, text] of Object.entries(renderAlerts(dir).files)) writeFileSync(join(dir, p), text);
  const staticOnly = validateDeploy(dir, { kubectl: false, promtool: false }).failures;
  assert.ok(hasFailure(staticOnly, /alerts\.yml: .*MailProcessMemoryNearLimit: annotation summary uses "humanizeBytes"/), staticOnly.join('\n'));
  if (!findPromtool()) return t.skip('promtool not installed (.ci/run installs it)');
  const withPromtool = validateDeploy(dir, { kubectl: false }).failures;
  assert.ok(hasFailure(withPromtool, /alerts\.yml: promtool check rules: .*function "humanizeBytes" not defined/), withPromtool.join('\n'));
  assert.ok(hasFailure(withPromtool, /prometheusrule\.yaml: promtool check rules: .*humanizeBytes/), withPromtool.join('\n'));
});

test('promtool unit tests catch an alert that no longer fires, and an alert without a test', (t) => {
  if (!findPromtool()) return t.skip('promtool not installed (.ci/run installs it)');
  const dir = copyOfRepo(t);
  edit(dir, 'deploy/prometheus/rules/queue.yml', (s) => s.replace('> 500', '> 5000'));
  edit(dir, 'deploy/prometheus/rules/security.yml', (s) => s + [
    '  - alert: MailUntested', '    expr: vector(1) == 0', '    labels: { severity: info }',
    '    annotations: { summary: never }', ''].join('\n'));
  for (const [p, text] of Object.entries(renderAlerts(dir).files)) writeFileSync(join(dir, p), text);
  const { failures } = validateDeploy(dir, { kubectl: false });
  assert.ok(hasFailure(failures, /tests\/queue\.test\.yml: promtool test rules: .*MailQueueDepthGrowing/), failures.join('\n'));
  assert.ok(hasFailure(failures, /alert MailUntested has no promtool unit test/), failures.join('\n'));
});

test('compose: a top-level name (refused by docker-compose v1) and an admin API on every interface are caught', (t) => {
  const dir = copyOfRepo(t);
  edit(dir, 'docker-compose.yml', (s) => `name: mail-platform\n${s.replace('"127.0.0.1:8080:8080"', '"8080:8080"')}`);
  const { failures } = validateDeploy(dir, { kubectl: false, promtool: false });
  assert.ok(hasFailure(failures, /top-level "name" is refused by docker-compose v1/), failures.join('\n'));
  assert.ok(hasFailure(failures, /admin API must be published on 127\.0\.0\.1 only/), failures.join('\n'));
});

// docker-compose v1 (Debian's 1.29) and the v2 plugin both parse and interpolate the file without
// an engine; run whichever is installed (.ci/run installs docker-compose from Debian).
test('docker-compose config accepts the compose file (v1 and/or v2, whichever is installed)', (t) => {
  const runners = [];
  try { execFileSync('docker-compose', ['version'], { stdio: 'ignore' }); runners.push(['docker-compose']); } catch { /* not installed */ }
  try { execFileSync('docker', ['compose', 'version'], { stdio: 'ignore' }); runners.push(['docker', 'compose']); } catch { /* no v2 plugin */ }
  if (!runners.length) return t.skip('neither docker-compose nor the docker compose plugin is installed');
  const dir = tempDir(t);
  const envFile = join(dir, 'compose.env');
  writeFileSync(envFile, `${readFileSync(join(root, 'deploy/compose.env.example'), 'utf8').replace(/^ADMIN_TOKEN=$/m, 'ADMIN_TOKEN=ci-only-token').replace(/^SECRETS_KEY=$/m, 'SECRETS_KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=')}\n`);
  for (const [cmd, ...pre] of runners) {
    const out = execFileSync(cmd, [...pre, '--env-file', envFile, '-f', join(root, 'docker-compose.yml'), 'config'], { cwd: root, encoding: 'utf8' });
    assert.match(out, /127\.0\.0\.1:8080|host_ip: 127\.0\.0\.1[\s\S]*published: "?8080/, `${cmd}: admin API not on loopback`);
    // without ADMIN_TOKEN compose must refuse to start (the :? interpolation)
    const bare = join(dir, 'bare.env');
    writeFileSync(bare, 'POSTGRES_PASSWORD=x\n');
    assert.throws(() => execFileSync(cmd, [...pre, '--env-file', bare, '-f', join(root, 'docker-compose.yml'), 'config', '-q'], { cwd: root, stdio: 'pipe', env: { ...process.env, ADMIN_TOKEN: '' } }), `${cmd} accepted a compose file without ADMIN_TOKEN`);
  }
});

// Every overlay rendered by `kubectl kustomize`, every object checked against the Kubernetes API schemas.
test('every rendered overlay and the monitoring component match the Kubernetes API schemas', async (t) => {
  const { kubectl, checked, problems } = await validateK8sSchemas(root);
  assert.deepEqual(problems, []);
  if (!kubectl) return t.skip(`kubectl not installed: only ${checked} component objects were checked, the overlays were not rendered`);
  assert.ok(checked >= 60, `only ${checked} objects checked`);
});

test('the schema check catches a wrong type, a missing required field and an unknown kind', async (t) => {
  const dir = copyOfRepo(t);
  edit(dir, 'deploy/k8s/base/deployments/store.yaml', (s) => s.replace(/containerPort: (\d+)/, 'containerPort: "$1"'));
  edit(dir, 'deploy/k8s/components/monitoring/prometheusrule.yaml', (s) => s.replace('for: 2m', 'for: 2 minutes'));
  edit(dir, 'deploy/k8s/components/monitoring/podmonitor.yaml', (s) => s.replace('kind: PodMonitor', 'kind: PodMonitr'));
  const { kubectl, problems } = await validateK8sSchemas(dir);
  const text = problems.map((p) => `${p.where}: ${p.message}`).join('\n');
  assert.match(text, /prometheusrule\.yaml PrometheusRule\/mail-platform: .*for/);
  assert.match(text, /podmonitor\.yaml PodMonitr\/mail-platform: .*no such kind/);
  if (kubectl) assert.match(text, /overlays\/dev \(rendered\) Deployment\/store: .*containerPort must be integer/);
  assert.deepEqual(await schemaProblems({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: { ports: [{ protocol: 'TCP' }] } }).then((p) => p.length > 0), true);
});

test('the dashboards (JSON for compose, ConfigMaps for the Grafana sidecar) are what deploy/grafana/src renders', async () => {
  assert.deepEqual(await staleDashboardFiles(root), [], 'run node scripts/render-dashboards.mjs');
});

test('a dashboard panel without a description is caught', (t) => {
  const dir = copyOfRepo(t);
  edit(dir, 'deploy/grafana/dashboards/store.json', (s) => s.replace(/"description": "Messages written into mailboxes[^"]*",/, ''));
  const { failures } = validateDeploy(dir, { kubectl: false, promtool: false });
  assert.ok(hasFailure(failures, /store\.json: panel "Appends": no description/), failures.join('\n'));
});
