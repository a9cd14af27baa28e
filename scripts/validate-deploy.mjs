#!/usr/bin/env node
// Static validation of the deployment files: docker-compose.yml, Dockerfile, .dockerignore and
// everything under deploy/. The machines this is developed on have neither a Docker engine nor a
// cluster nor network access, so this checks what can be known from the files alone: that they
// parse, that they follow the Compose / Kubernetes / Prometheus / Grafana rules that bite in
// practice, and that they agree with each other and with the platform (service names, ports,
// env vars, metric names). When `kubectl` is on PATH the Kustomize overlays are also rendered with
// `kubectl kustomize` (offline) and the rendered output is checked as well.
//
//   node scripts/validate-deploy.mjs            # exit 1 and list failures, or print the count
//   node scripts/render-alerts.mjs          # regenerate alerts.yml and the k8s PrometheusRule from deploy/prometheus/rules
//
// Importable: `validateDeploy(rootDir, { kubectl })` returns { passed, failures, notes }.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname, isAbsolute, sep } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { staleAlertFiles } from './render-alerts.mjs';
import { promtoolProblems } from './promtool.mjs';

// ---------------------------------------------------------------------------------------------
// What the platform is: the facts the files must agree with.

const APPS = ['smtp-in', 'delivery', 'access', 'auth', 'store', 'admin-api', 'migration'];
const HEALTH_PORT = { 'smtp-in': 9090, delivery: 9090, access: 9090, auth: 9090, store: 9090, 'admin-api': 8080, migration: 9090 };
const COMMON_ENV = ['NODE_ENV', 'LOG_LEVEL', 'NATS_URL', 'BIND_HOST', 'ADMIN_BIND_HOST', 'HTTP_PORT', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_SERVICE_NAME'];
const S3_ENV = ['S3_ENDPOINT', 'S3_ACCESS_KEY', 'S3_SECRET_KEY', 'S3_BUCKET', 'S3_REGION'];
const TLS_ENV = ['TLS_CERT_FILE', 'TLS_KEY_FILE'];
const APP_ENV = {
  // DATABASE_URL: bodies up to BLOB_INLINE_MAX_BYTES live in PostgreSQL (ADR 0052)
  'smtp-in': ['DATABASE_URL', ...S3_ENV, ...TLS_ENV, 'SMTP_PORT', 'SUBMISSION_PORT', 'SUBMISSIONS_PORT', 'HOSTNAME_FQDN', 'MAX_MESSAGE_SIZE'],
  delivery: ['DATABASE_URL', ...S3_ENV],
  access: ['DATABASE_URL', ...S3_ENV, ...TLS_ENV, 'IMAP_PORT', 'IMAPS_PORT', 'POP3_PORT', 'POP3S_PORT'],
  auth: ['DATABASE_URL'],
  store: ['DATABASE_URL', ...S3_ENV],
  'admin-api': ['ADMIN_PORT', 'ADMIN_TOKEN'],
  migration: ['DATABASE_URL', ...S3_ENV, 'SECRETS_KEY'],
};
const PUBLISHED_MAIL_PORTS = { 'smtp-in': [25, 587, 465], access: [143, 993, 110, 995], 'admin-api': [8080] };
const LB_SERVICES = { 'smtp-in': [25, 587, 465], access: [143, 993, 110, 995] };
const HPA_APPS = ['smtp-in', 'delivery', 'access', 'store', 'auth'];
const KNOWN_METRICS = new Set([
  'mail_smtp_sessions_total', 'mail_smtp_messages_accepted_total', 'mail_smtp_messages_rejected_total',
  'mail_queue_depth', 'mail_delivery_attempts_total', 'mail_delivery_recipients_taken_total', 'mail_delivery_latency_seconds', 'mail_imap_connections',
  'mail_pop3_connections', 'mail_store_appends_total', 'mail_auth_logins_total', 'mail_bus_request_duration_seconds',
  'mail_store_append_duration_seconds', 'mail_store_message_index_total', 'mail_bus_handler_duration_seconds',
  'mail_queue_oldest_age_seconds', 'mail_tls_certificate_not_after_seconds', 'mail_imap_commands_total', 'mail_pop3_commands_total',
  'mail_imap_command_duration_seconds', 'mail_pop3_command_duration_seconds',
  'mail_connector_messages_total', 'mail_connector_bytes_total', 'mail_connector_refusals_total', 'mail_connector_tls_total',
  // libs/limits (docs/security.md)
  'mail_connections_open', 'mail_connections_refused_total', 'mail_connections_deadline_total', 'mail_rate_limited_total',
  'mail_process_connections_open', 'mail_process_connections_max', 'mail_proxy_headers_total', 'mail_limit_store_errors_total',
  'mail_auth_hashes_running', 'mail_auth_hashes_waiting',
  'mail_tls_handshake_failures_total', 'mail_delivery_lease_renewals_total',
  // the migration service: batches (ADR 0030) and external accounts (ADR 0029)
  'mail_migration_messages_total', 'mail_migration_bytes_total', 'mail_migration_errors_total', 'mail_migration_user_jobs_total',
  'mail_fetch_runs_total', 'mail_fetch_messages_total', 'mail_fetch_bytes_total', 'mail_fetch_errors_total', 'mail_fetch_run_duration_seconds',
]);
const ALERTS_REQUIRED = [
  ['queue depth', /mail_queue_depth/],
  ['delivery failure ratio', /mail_delivery_attempts_total/],
  ['service down', /\bup\b/],
  ['auth failures', /mail_auth_logins_total/],
  ['bus p99 latency', /histogram_quantile\(\s*0\.99[\s\S]*mail_bus_request_duration_seconds_bucket/],
];

// Functions Prometheus (2.x and 3.x) defines for alert templates, besides Go's own.
const PROM_TEMPLATE_FUNCS = new Set(`query first label value strvalue args reReplaceAll safeHtml match title toUpper toLower
  graphLink tableLink sortByLabel humanize humanize1024 humanizeDuration humanizePercentage humanizeTimestamp toTime
  pathPrefix externalURL parseDuration stripPort stripDomain printf print len index html js urlquery`.split(/\s+/));
const COMPOSE_TOP_KEYS = new Set(['version', 'name', 'services', 'networks', 'volumes', 'configs', 'secrets', 'include', 'models']);
const COMPOSE_SERVICE_KEYS = new Set(`annotations attach blkio_config build cap_add cap_drop cgroup cgroup_parent command configs
  container_name cpu_count cpu_percent cpu_period cpu_quota cpu_rt_period cpu_rt_runtime cpu_shares cpus cpuset credential_spec
  depends_on deploy develop device_cgroup_rules devices dns dns_opt dns_search domainname driver_opts entrypoint env_file
  environment expose extends external_links extra_hosts gpus group_add healthcheck hostname image init ipc isolation labels
  label_file links logging mac_address mem_limit mem_reservation mem_swappiness memswap_limit models network_mode networks
  oom_kill_disable oom_score_adj pid pids_limit platform ports post_start pre_stop privileged profiles provider pull_policy
  read_only restart runtime scale secrets security_opt shm_size stdin_open stop_grace_period stop_signal storage_opt sysctls
  tmpfs tty ulimits use_api_socket user userns_mode uts volumes volumes_from working_dir`.split(/\s+/));
const DEPENDS_CONDITIONS = new Set(['service_started', 'service_healthy', 'service_completed_successfully']);
const RESTART_POLICIES = /^(no|always|unless-stopped|on-failure(:\d+)?)$/;
const DURATION = /^(\d+(\.\d+)?(us|ms|s|m|h))+$/;
const PROM_DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

// ---------------------------------------------------------------------------------------------
// Bookkeeping: every assertion is one check; a failure names the file and what is wrong.

class Report {
  passed = 0;
  failures = [];
  notes = [];
  parsed = new Map(); // a broken file is reported once, however many checks read it
  constructor(root) { this.root = root; }
  where(file) { return isAbsolute(file) ? relative(this.root, file) || file : file; }
  ok(cond, file, message) {
    if (cond) this.passed++;
    else this.failures.push(`${this.where(file)}: ${message}`);
    return Boolean(cond);
  }
  fail(file, message) { return this.ok(false, file, message); }
  note(message) { this.notes.push(message); }
}

const isMap = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const asArray = (v) => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);

function walkFiles(dir, accept) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walkFiles(full, accept));
    else if (accept(full)) out.push(full);
  }
  return out.sort();
}

// YAML 1.2 core schema plus merge keys (`<<:`), which Compose supports and docker-compose.yml uses.
function parseYamlFile(report, file) {
  if (report.parsed.has(file)) return report.parsed.get(file);
  const docs = parseYamlUncached(report, file);
  report.parsed.set(file, docs);
  return docs;
}

function parseYamlUncached(report, file) {
  let text;
  try { text = readFileSync(file, 'utf8'); } catch (err) { report.fail(file, `cannot read: ${err.message}`); return null; }
  const docs = YAML.parseAllDocuments(text, { merge: true, prettyErrors: true, uniqueKeys: true });
  const errors = [];
  for (const doc of asArray(docs)) for (const e of doc.errors ?? []) errors.push(e.message.split('\n')[0]);
  if (!report.ok(errors.length === 0, file, `YAML does not parse: ${errors.join('; ')}`)) return null;
  return asArray(docs).map((d) => d.toJS({ maxAliasCount: 1000 })).filter((d) => d !== null && d !== undefined);
}

// ---------------------------------------------------------------------------------------------
// docker-compose.yml

function composeEnv(service) {
  const env = service.environment;
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((e) => { const s = String(e); const i = s.indexOf('='); return i < 0 ? [s, null] : [s.slice(0, i), s.slice(i + 1)]; }));
  }
  return isMap(env) ? env : {};
}

function checkInterpolation(report, file, value, path) {
  if (typeof value === 'string') {
    for (let i = 0; i < value.length; i++) {
      if (value[i] !== '$') continue;
      if (value[i + 1] === '$') { i++; continue; }
      if (value[i + 1] !== '{') continue;
      let depth = 0; let j = i + 1;
      for (; j < value.length; j++) {
        if (value[j] === '{') depth++;
        else if (value[j] === '}' && --depth === 0) break;
      }
      const expr = value.slice(i + 2, j);
      report.ok(j < value.length && /^[A-Za-z_][A-Za-z0-9_]*((:?[-?+]).*)?$/s.test(expr), file,
        `${path}: malformed interpolation "\${${expr}${j < value.length ? '}' : ''}"`);
      i = j;
    }
  } else if (Array.isArray(value)) value.forEach((v, k) => checkInterpolation(report, file, v, `${path}[${k}]`));
  else if (isMap(value)) for (const [k, v] of Object.entries(value)) checkInterpolation(report, file, v, `${path}.${k}`);
}

// Short syntax: [HOST_IP:][HOST[-HOST_END]:]CONTAINER[-CONTAINER_END][/PROTOCOL]
function parsePort(spec) {
  if (isMap(spec)) {
    const target = Number(spec.target);
    const published = spec.published === undefined ? null : String(spec.published);
    return { hostIp: spec.host_ip ?? '', published, target: [target, target], protocol: spec.protocol ?? 'tcp' };
  }
  const s = String(spec);
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|\d+\.\d+\.\d+\.\d+):)?(?:(\d+(?:-\d+)?)?:)?(\d+(?:-\d+)?)(?:\/(tcp|udp|sctp))?$/.exec(s);
  if (!m) return null;
  const range = (r) => r.split('-').map(Number).concat(r.includes('-') ? [] : [Number(r)]).slice(0, 2);
  return { hostIp: m[1] ?? '', published: m[2] ?? null, target: range(m[3]), protocol: m[4] ?? 'tcp' };
}

function durationMs(text) {
  let ms = 0;
  for (const [, n, unit] of String(text).matchAll(/(\d+(?:\.\d+)?)(us|ms|s|m|h)/g)) ms += Number(n) * { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit];
  return ms;
}

const portText = (spec) => (isMap(spec) ? JSON.stringify(spec) : `"${spec}"`);

function composeAppName(service) {
  const args = isMap(service.build) ? service.build.args : undefined;
  const app = Array.isArray(args)
    ? args.map(String).find((a) => a.startsWith('APP='))?.slice(4)
    : isMap(args) ? args.APP : undefined;
  return app ?? null;
}

function checkCompose(report, root, ctx) {
  const file = join(root, 'docker-compose.yml');
  if (!report.ok(existsSync(file), file, 'missing')) return;
  const docs = parseYamlFile(report, file);
  if (!docs) return;
  const doc = docs[0];
  if (!report.ok(isMap(doc), file, 'top level must be a mapping')) return;
  ctx.compose = doc;

  for (const key of Object.keys(doc)) {
    report.ok(COMPOSE_TOP_KEYS.has(key) || key.startsWith('x-'), file, `unknown top-level key "${key}"`);
  }
  report.ok(doc.version === undefined, file, '"version" is obsolete in the Compose spec; remove it');
  report.ok(doc.name === undefined, file, 'top-level "name" is refused by docker-compose v1; use COMPOSE_PROJECT_NAME');
  checkInterpolation(report, file, doc, '');
  const services = doc.services;
  if (!report.ok(isMap(services) && Object.keys(services).length > 0, file, '"services" must be a non-empty mapping')) return;
  const declaredVolumes = new Set(Object.keys(isMap(doc.volumes) ? doc.volumes : {}));
  const declaredNetworks = new Set(['default', ...Object.keys(isMap(doc.networks) ? doc.networks : {})]);
  const hostPorts = new Map();
  const completedDeps = new Set();
  for (const svc of Object.values(services)) {
    if (!isMap(svc)) continue;
    const deps = isMap(svc.depends_on) ? svc.depends_on : {};
    for (const [name, d] of Object.entries(deps)) if (d?.condition === 'service_completed_successfully') completedDeps.add(name);
  }

  for (const [name, svc] of Object.entries(services)) {
    const at = `services.${name}`;
    report.ok(/^[a-zA-Z0-9._-]+$/.test(name), file, `${at}: invalid service name`);
    if (!report.ok(isMap(svc), file, `${at}: must be a mapping`)) continue;
    for (const key of Object.keys(svc)) {
      report.ok(COMPOSE_SERVICE_KEYS.has(key) || key.startsWith('x-'), file, `${at}: unknown key "${key}"`);
    }
    report.ok(svc.image || svc.build || svc.extends, file, `${at}: needs "image" or "build"`);

    if (svc.build !== undefined) {
      const build = typeof svc.build === 'string' ? { context: svc.build } : svc.build;
      if (report.ok(isMap(build), file, `${at}.build: must be a string or mapping`)) {
        const context = resolve(root, build.context ?? '.');
        const isRemote = /^(https?:|git@|github\.com)/.test(String(build.context ?? ''));
        if (!isRemote) {
          report.ok(existsSync(context), file, `${at}.build.context "${build.context}" does not exist`);
          const dockerfile = resolve(context, build.dockerfile ?? 'Dockerfile');
          report.ok(existsSync(dockerfile), file, `${at}.build.dockerfile "${relative(root, dockerfile)}" does not exist`);
        }
        const app = composeAppName(svc);
        if (app !== null) report.ok(existsSync(join(root, 'apps', app, 'package.json')), file, `${at}.build.args.APP "${app}" is not an app under apps/`);
      }
    }
    if (svc.image !== undefined && svc.build === undefined) {
      const image = String(svc.image);
      report.ok(/^[^:@\s]+(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/.test(image.replace(/^[^/]+:\d+\//, 'registry/')), file, `${at}.image "${image}" is malformed`);
      report.ok(/[:@]/.test(image.replace(/^[^/]+:\d+\//, '')) && !/:latest$/.test(image), file, `${at}.image "${image}" must pin a tag (not latest)`);
    }
    if (svc.restart !== undefined) report.ok(RESTART_POLICIES.test(String(svc.restart)), file, `${at}.restart "${svc.restart}" is not a restart policy`);
    if (svc.stop_grace_period !== undefined) report.ok(DURATION.test(String(svc.stop_grace_period)), file, `${at}.stop_grace_period is not a duration`);

    // environment
    const env = svc.environment;
    if (env !== undefined) {
      if (report.ok(isMap(env) || Array.isArray(env), file, `${at}.environment must be a mapping or a list`)) {
        for (const [k, v] of Object.entries(composeEnv(svc))) {
          report.ok(ENV_KEY.test(k), file, `${at}.environment: invalid variable name "${k}"`);
          report.ok(v === null || ['string', 'number', 'boolean'].includes(typeof v), file, `${at}.environment.${k}: value must be a scalar`);
        }
      }
    }

    // depends_on
    const deps = svc.depends_on;
    const depEntries = Array.isArray(deps) ? deps.map((d) => [d, { condition: 'service_started' }]) : isMap(deps) ? Object.entries(deps) : [];
    if (deps !== undefined) report.ok(Array.isArray(deps) || isMap(deps), file, `${at}.depends_on must be a list or a mapping`);
    for (const [dep, opts] of depEntries) {
      report.ok(dep !== name, file, `${at}.depends_on: a service cannot depend on itself`);
      if (!report.ok(Object.hasOwn(services, dep), file, `${at}.depends_on: no service named "${dep}"`)) continue;
      const condition = opts?.condition ?? 'service_started';
      if (!report.ok(DEPENDS_CONDITIONS.has(condition), file, `${at}.depends_on.${dep}: unknown condition "${condition}"`)) continue;
      if (condition === 'service_healthy') {
        const hc = services[dep]?.healthcheck;
        report.ok(isMap(hc) && hc.disable !== true && hc.test !== undefined && asArray(hc.test)[0] !== 'NONE', file,
          `${at}.depends_on.${dep}: waits for service_healthy but "${dep}" has no healthcheck`);
      }
    }

    // healthcheck: every long-running service has one, unless it is a one-shot job or says why not.
    const hc = svc.healthcheck;
    if (hc !== undefined) {
      if (report.ok(isMap(hc), file, `${at}.healthcheck must be a mapping`)) {
        if (hc.disable !== true) {
          const test = hc.test;
          report.ok(typeof test === 'string' || (Array.isArray(test) && ['CMD', 'CMD-SHELL', 'NONE'].includes(test[0]) && test.length > (test[0] === 'NONE' ? 0 : 1)),
            file, `${at}.healthcheck.test must be a string or ["CMD"|"CMD-SHELL", ...]`);
        }
        for (const k of ['interval', 'timeout', 'start_period', 'start_interval']) {
          if (hc[k] !== undefined) report.ok(DURATION.test(String(hc[k])), file, `${at}.healthcheck.${k} "${hc[k]}" is not a duration`);
        }
        if (hc.retries !== undefined) report.ok(Number.isInteger(hc.retries) && hc.retries > 0, file, `${at}.healthcheck.retries must be a positive integer`);
      }
    } else {
      const oneShot = String(svc.restart ?? 'no') === 'no' && completedDeps.has(name);
      const exempt = typeof svc['x-healthcheck-exempt'] === 'string' && svc['x-healthcheck-exempt'].trim().length > 0;
      report.ok(oneShot || exempt, file, `${at}: no healthcheck (add one, or x-healthcheck-exempt: <reason>)`);
    }

    // ports
    for (const spec of asArray(svc.ports)) {
      const p = parsePort(spec);
      if (!report.ok(p, file, `${at}.ports: ${portText(spec)} is not a valid port mapping`)) continue;
      const nums = [...p.target, ...(p.published ? p.published.split('-').map(Number) : [])];
      report.ok(nums.every((n) => Number.isInteger(n) && n >= 1 && n <= 65535), file, `${at}.ports: ${portText(spec)} has a port outside 1-65535`);
      report.ok(['tcp', 'udp', 'sctp'].includes(p.protocol), file, `${at}.ports: unknown protocol "${p.protocol}"`);
      if (p.published) {
        const key = `${p.hostIp || '*'}:${p.published}/${p.protocol}`;
        report.ok(!hostPorts.has(key), file, `${at}.ports: host port ${key} already published by ${hostPorts.get(key)}`);
        hostPorts.set(key, name);
      }
    }

    // volumes
    for (const v of asArray(svc.volumes)) {
      const source = isMap(v) ? v.source : String(v).split(':')[0];
      const type = isMap(v) ? v.type : source && /^[./~]/.test(source) ? 'bind' : source && String(v).includes(':') ? 'volume' : 'anonymous';
      if (type === 'bind' && source && !source.startsWith('~')) {
        report.ok(existsSync(resolve(root, source)), file, `${at}.volumes: bind source "${source}" does not exist`);
      } else if (type === 'volume' && source) {
        report.ok(declaredVolumes.has(source), file, `${at}.volumes: named volume "${source}" is not declared under top-level volumes`);
      }
    }
    for (const n of isMap(svc.networks) ? Object.keys(svc.networks) : asArray(svc.networks)) {
      report.ok(declaredNetworks.has(n), file, `${at}.networks: "${n}" is not declared`);
    }
  }

  // depends_on cycles: Compose refuses to start them.
  const state = new Map();
  const visit = (n, trail) => {
    if (state.get(n) === 'done') return;
    if (state.get(n) === 'active') { report.fail(file, `depends_on cycle: ${[...trail, n].join(' -> ')}`); return; }
    state.set(n, 'active');
    const d = services[n]?.depends_on;
    for (const dep of Array.isArray(d) ? d : isMap(d) ? Object.keys(d) : []) if (Object.hasOwn(services, dep)) visit(dep, [...trail, n]);
    state.set(n, 'done');
  };
  for (const n of Object.keys(services)) visit(n, []);
  report.ok(true, file, 'depends_on graph');

  // The platform itself: every app is a service, has its env, healthcheck and published ports.
  for (const app of APPS) {
    const svc = services[app];
    if (!report.ok(isMap(svc), file, `services.${app}: the platform needs this service`)) continue;
    report.ok(composeAppName(svc) === app || String(svc.image ?? '').includes(`/${app}:`), file, `services.${app}: must build with APP=${app}`);
    const env = composeEnv(svc);
    for (const key of [...COMMON_ENV, ...APP_ENV[app]]) report.ok(Object.hasOwn(env, key), file, `services.${app}.environment: missing ${key}`);
    report.ok(env.OTEL_SERVICE_NAME === app, file, `services.${app}.environment.OTEL_SERVICE_NAME should be "${app}"`);
    report.ok(env.BIND_HOST === '0.0.0.0', file, `services.${app}.environment.BIND_HOST must be 0.0.0.0 in a container`);
    report.ok(env.ADMIN_BIND_HOST === '0.0.0.0', file, `services.${app}.environment.ADMIN_BIND_HOST must be 0.0.0.0 in a container (healthchecks, Prometheus)`);
    report.ok(isMap(svc.healthcheck), file, `services.${app}: needs an explicit healthcheck`);
    const otlp = /^https?:\/\/([^:/]+)(?::(\d+))?/.exec(String(env.OTEL_EXPORTER_OTLP_ENDPOINT ?? ''));
    if (otlp) report.ok(Object.hasOwn(services, otlp[1]), file, `services.${app}: OTLP endpoint host "${otlp[1]}" is not a compose service`);
    for (const envKey of ['NATS_URL', 'S3_ENDPOINT', 'DATABASE_URL']) {
      if (env[envKey] === undefined) continue;
      const m = /^[a-z]+:\/\/(?:[^@/]*@)?([^:/?]+)/.exec(String(env[envKey]));
      report.ok(m && Object.hasOwn(services, m[1]), file, `services.${app}.environment.${envKey}: host "${m?.[1]}" is not a compose service`);
    }
    // The runtime drains for SHUTDOWN_GRACE_MS and hard-stops 5 s later; Docker must not SIGKILL first.
    const drainMs = Number(env.SHUTDOWN_GRACE_MS ?? 10_000);
    const stopMs = durationMs(svc.stop_grace_period ?? '10s');
    report.ok(drainMs + 5000 <= stopMs, file, `services.${app}: stop_grace_period ${svc.stop_grace_period ?? '10s (default)'} is shorter than SHUTDOWN_GRACE_MS ${drainMs} ms + 5 s`);
    const published = new Set(asArray(svc.ports).map(parsePort).filter(Boolean).filter((p) => p.published).map((p) => `${p.published}->${p.target[0]}`));
    for (const port of PUBLISHED_MAIL_PORTS[app] ?? []) {
      report.ok(published.has(`${port}->${port}`), file, `services.${app}.ports: port ${port} must be published`);
      if (app === 'admin-api') {
        const spec = asArray(svc.ports).map(parsePort).find((p) => p?.published === String(port));
        report.ok(spec && ['127.0.0.1', '::1', '[::1]'].includes(spec.hostIp), file, `services.admin-api.ports: the admin API must be published on 127.0.0.1 only`);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// .dockerignore and Dockerfile

function globToRegExp(pattern) {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') { re += '.*'; i++; if (pattern[i + 1] === '/') i++; }
    else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function loadDockerignore(root) {
  const file = join(root, '.dockerignore');
  if (!existsSync(file)) return null;
  return readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
    .map((l) => { const negate = l.startsWith('!'); const p = (negate ? l.slice(1) : l).replace(/^\/+/, '').replace(/\/+$/, ''); return { negate, re: globToRegExp(p) }; });
}

// Docker semantics: the last matching rule wins, and a rule that matches a directory covers everything in it.
function isIgnored(rules, path) {
  const parts = path.split('/');
  let ignored = false;
  for (const rule of rules) {
    for (let n = 1; n <= parts.length; n++) {
      if (rule.re.test(parts.slice(0, n).join('/'))) { ignored = !rule.negate; break; }
    }
  }
  return ignored;
}

function parseDockerfile(text) {
  const instructions = [];
  let buf = ''; let startLine = 0;
  const lines = text.split('\n');
  lines.forEach((raw, idx) => {
    const line = raw.replace(/\r$/, '');
    if (!buf && /^\s*#/.test(line)) return;
    if (buf && /^\s*#/.test(line)) return; // comments inside a continuation are dropped by BuildKit
    if (!buf) startLine = idx + 1;
    if (/\\\s*$/.test(line)) { buf += line.replace(/\\\s*$/, ' '); return; }
    buf += line;
    if (buf.trim()) {
      const m = /^\s*(\w+)\s*(.*)$/s.exec(buf);
      if (m) instructions.push({ op: m[1].toUpperCase(), args: m[2].trim(), line: startLine });
    }
    buf = '';
  });
  return instructions;
}

function substituteArgs(value, args) {
  return value.replace(/\$\{(\w+)(?::?-([^}]*))?\}|\$(\w+)/g, (_, a, def, b) => args[a ?? b] ?? def ?? '');
}

function checkDockerfile(report, root) {
  const file = join(root, 'Dockerfile');
  const ignoreRules = loadDockerignore(root);
  const ignoreFile = join(root, '.dockerignore');
  if (report.ok(ignoreRules, ignoreFile, 'missing: the build context would include node_modules, .git and secrets')) {
    for (const path of ['node_modules', 'apps/smtp-in/node_modules', '.git', 'apps/smtp-in/dist', '.env']) {
      report.ok(isIgnored(ignoreRules, path), ignoreFile, `should exclude "${path}"`);
    }
    for (const path of ['package.json', 'package-lock.json', 'apps/smtp-in/src/main.ts', 'libs/bus/package.json']) {
      report.ok(!isIgnored(ignoreRules, path), ignoreFile, `must not exclude "${path}" (the build needs it)`);
    }
  }
  if (!report.ok(existsSync(file), file, 'missing')) return;
  const ins = parseDockerfile(readFileSync(file, 'utf8'));
  const at = (i) => `line ${i.line}`;

  const globalArgs = {};
  let seenFrom = false;
  const stages = [];
  for (const i of ins) {
    if (i.op === 'FROM') { seenFrom = true; const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(i.args); stages.push({ image: m?.[1] ?? i.args, name: m?.[2]?.toLowerCase(), ins: [], line: i.line }); continue; }
    if (!seenFrom) {
      report.ok(i.op === 'ARG', file, `${at(i)}: only ARG may precede the first FROM (found ${i.op})`);
      if (i.op === 'ARG') { const [k, ...v] = i.args.split('='); globalArgs[k.trim()] = v.length ? v.join('=').replace(/^["']|["']$/g, '') : undefined; }
      continue;
    }
    stages.at(-1).ins.push(i);
  }
  if (!report.ok(stages.length > 0, file, 'no FROM instruction')) return;
  report.ok(stages.length >= 2, file, 'expected a multi-stage build (build stage + slim runtime stage)');

  const stageNames = new Set();
  for (const s of stages) {
    if (s.name) { report.ok(!stageNames.has(s.name), file, `line ${s.line}: duplicate stage name "${s.name}"`); }
    const image = substituteArgs(s.image, globalArgs);
    if (s.name) stageNames.add(s.name);
    if (image === 'scratch' || stageNames.has(image.toLowerCase()) && image.toLowerCase() !== s.name) continue;
    const noRegistry = image.replace(/^[^/]+:\d+\//, '');
    report.ok(/[:@]/.test(noRegistry), file, `line ${s.line}: FROM ${image} must pin a tag or digest`);
    report.ok(!/:latest(@|$)/.test(noRegistry), file, `line ${s.line}: FROM ${image} must not use the latest tag`);
  }

  for (const s of stages) {
    for (const i of s.ins) {
      if (i.op === 'ADD') {
        report.ok(!/(^|\s)(https?:\/\/|git@|ftp:\/\/)/.test(i.args), file, `${at(i)}: ADD of a URL; download in a RUN step with a checksum, or COPY`);
        report.ok(/\.(tar|tgz|tar\.(gz|bz2|xz|zst))(\s|$)/.test(i.args), file, `${at(i)}: use COPY for local files (ADD only to unpack archives)`);
      }
      if (i.op === 'COPY') {
        const from = /--from=(\S+)/.exec(i.args)?.[1];
        if (from) {
          report.ok(stageNames.has(from.toLowerCase()) || /^\d+$/.test(from) || /[:@]/.test(from), file, `${at(i)}: COPY --from=${from} names no earlier stage (and no pinned image)`);
        } else {
          const words = i.args.replace(/--\S+/g, '').trim();
          const parts = words.startsWith('[') ? JSON.parse(words) : words.split(/\s+/);
          for (const src of parts.slice(0, -1)) {
            if (/[*?$]/.test(src) || src === '.') continue;
            const rel = src.replace(/^\.\//, '').replace(/\/$/, '');
            report.ok(existsSync(join(root, rel)), file, `${at(i)}: COPY source "${src}" does not exist`);
            if (ignoreRules) report.ok(!isIgnored(ignoreRules, rel), file, `${at(i)}: COPY source "${src}" is excluded by .dockerignore`);
          }
        }
      }
      if (i.op === 'RUN') {
        if (/apt-get\s+(-\S+\s+)*install/.test(i.args)) {
          report.ok(/apt-get\s+update/.test(i.args), file, `${at(i)}: apt-get install without apt-get update in the same RUN (stale cache layer)`);
          report.ok(/--no-install-recommends/.test(i.args), file, `${at(i)}: apt-get install without --no-install-recommends`);
          report.ok(/rm\s+-rf\s+\/var\/lib\/apt\/lists/.test(i.args), file, `${at(i)}: apt lists not removed after install`);
          report.ok(/\s-y\b|--yes|--assume-yes/.test(i.args), file, `${at(i)}: apt-get install needs -y`);
        }
        report.ok(!/(^|\s|;|&&)sudo\s/.test(i.args), file, `${at(i)}: do not use sudo in RUN`);
        report.ok(!/curl[^|&;]*\|\s*(ba)?sh/.test(i.args), file, `${at(i)}: piping a download into a shell`);
      }
      if (i.op === 'WORKDIR') report.ok(i.args.startsWith('/') || i.args.startsWith('$'), file, `${at(i)}: WORKDIR should be absolute`);
      if (i.op === 'ENV' || i.op === 'ARG') {
        report.ok(!/(PASSWORD|SECRET|TOKEN|PRIVATE_KEY)\s*=/i.test(i.args), file, `${at(i)}: secrets must not be baked into ${i.op}`);
      }
    }
  }

  const final = stages.at(-1);
  const users = final.ins.filter((i) => i.op === 'USER');
  const lastUser = users.at(-1)?.args.split(':')[0];
  report.ok(users.length > 0, file, 'final stage never sets USER (the process would run as root)');
  if (lastUser !== undefined) report.ok(!['root', '0'].includes(lastUser), file, `final stage runs as ${lastUser}; use a non-root user`);
  const hc = final.ins.filter((i) => i.op === 'HEALTHCHECK');
  report.ok(hc.length > 0 && !/^NONE$/i.test(hc.at(-1).args), file, 'final stage has no HEALTHCHECK');
  if (hc.length) {
    report.ok(!/\bcurl\b|\bwget\b/.test(hc.at(-1).args), file, 'HEALTHCHECK uses curl/wget, which the slim Node image lacks; use node');
    report.ok(/\bCMD\b/.test(hc.at(-1).args), file, 'HEALTHCHECK needs a CMD');
  }
  report.ok(final.ins.some((i) => i.op === 'CMD' || i.op === 'ENTRYPOINT'), file, 'final stage has no CMD or ENTRYPOINT');
  const cmd = final.ins.filter((i) => i.op === 'CMD').at(-1);
  if (cmd) report.ok(/apps\/\$\{?APP\}?\/dist\/main\.js/.test(cmd.args), file, 'CMD should run apps/${APP}/dist/main.js');
  report.ok(final.ins.some((i) => i.op === 'ARG' && /^APP(=|$)/.test(i.args)), file, 'final stage should declare ARG APP');
  report.ok(!final.ins.some((i) => i.op === 'RUN' && /npm (ci|install)(?![^&;]*--omit=dev)/.test(i.args)), file, 'final stage installs npm dependencies; copy pruned node_modules from the build stage');
  report.ok(stages.slice(0, -1).some((s) => s.ins.some((i) => i.op === 'RUN' && /npm prune|--omit=dev/.test(i.args))), file, 'dev dependencies are never pruned');
}

// ---------------------------------------------------------------------------------------------
// Kubernetes (Kustomize)

const KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
const findKustomization = (dir) => KUSTOMIZATION_NAMES.map((n) => join(dir, n)).find((f) => existsSync(f));

function checkKustomizations(report, root, ctx) {
  const k8s = join(root, 'deploy', 'k8s');
  if (!report.ok(existsSync(k8s), k8s, 'missing')) return;
  const yamlFiles = walkFiles(k8s, (f) => /\.ya?ml$/.test(f));
  const referenced = new Set();
  const kustomizations = yamlFiles.filter((f) => KUSTOMIZATION_NAMES.includes(f.split(sep).pop()));
  for (const kfile of kustomizations) {
    referenced.add(kfile);
    const docs = parseYamlFile(report, kfile);
    if (!docs) continue;
    const k = docs[0] ?? {};
    const dir = dirname(kfile);
    report.ok(['Kustomization', 'Component'].includes(k.kind), kfile, `kind must be Kustomization or Component (got ${k.kind})`);
    report.ok(/^kustomize\.config\.k8s\.io\/v1(beta1|alpha1)$/.test(k.apiVersion ?? ''), kfile, `unexpected apiVersion ${k.apiVersion}`);
    for (const field of ['bases', 'patchesStrategicMerge', 'patchesJson6902', 'commonLabels', 'vars']) {
      report.ok(k[field] === undefined, kfile, `"${field}" is deprecated in Kustomize v5`);
    }
    const refs = [];
    for (const r of asArray(k.resources)) refs.push(['resources', r, true]);
    for (const r of asArray(k.components)) refs.push(['components', r, true]);
    for (const p of asArray(k.patches)) if (isMap(p) && p.path) refs.push(['patches', p.path, false]);
    for (const p of asArray(k.patches)) report.ok(isMap(p) && (p.path || p.patch), kfile, 'each patch needs "path" or "patch"');
    for (const gen of [...asArray(k.configMapGenerator), ...asArray(k.secretGenerator)]) {
      report.ok(gen?.name, kfile, 'generator without a name');
      for (const f of [...asArray(gen?.files), ...asArray(gen?.envs)]) refs.push(['generator', String(f).split('=').pop(), false]);
    }
    const seen = new Set();
    for (const [field, ref, dirOk] of refs) {
      if (/^(https?:|git@|github\.com\/)/.test(ref)) { report.note(`${relative(root, kfile)}: remote ${field} ${ref} not checked`); continue; }
      report.ok(!seen.has(ref), kfile, `${field}: "${ref}" listed twice`);
      seen.add(ref);
      const target = resolve(dir, ref);
      if (!report.ok(existsSync(target), kfile, `${field}: "${ref}" does not exist`)) continue;
      if (statSync(target).isDirectory()) {
        const nested = findKustomization(target);
        report.ok(dirOk && nested, kfile, `${field}: directory "${ref}" has no kustomization.yaml`);
        if (nested) referenced.add(nested);
      } else {
        referenced.add(target);
      }
    }
    if (k.kind === 'Kustomization' && k.namespace !== undefined) report.ok(DNS1123.test(k.namespace), kfile, `namespace "${k.namespace}" is not a valid name`);
    for (const img of asArray(k.images)) {
      report.ok(img?.name, kfile, 'images entry without name');
      if (img?.newTag !== undefined) report.ok(typeof img.newTag === 'string', kfile, `images.${img.name}.newTag must be a quoted string (a bare 0.10 would become 0.1)`);
    }
  }
  for (const f of yamlFiles) report.ok(referenced.has(f), f, 'not referenced by any kustomization (dead file, or a missing resources entry)');

  // Raw manifests: checked individually; the rendered overlays are checked below when possible.
  const manifests = [];
  for (const f of yamlFiles) {
    if (kustomizations.includes(f)) continue;
    const docs = parseYamlFile(report, f);
    if (!docs) continue;
    for (const d of docs) {
      if (Array.isArray(d)) continue; // JSON 6902 patch
      if (d.$patch) continue;
      manifests.push({ file: f, doc: d });
    }
  }
  const isPatchFile = (f) => kustomizations.some((kf) => {
    const k = parseQuiet(kf);
    return asArray(k?.patches).some((p) => isMap(p) && p.path && resolve(dirname(kf), p.path) === f);
  });
  const resources = manifests.filter((m) => !isPatchFile(m.file));
  for (const { file, doc } of resources) {
    report.ok(doc.apiVersion && doc.kind, file, 'manifest without apiVersion/kind');
    report.ok(doc.metadata?.name && DNS1123.test(doc.metadata.name), file, `${doc.kind}: metadata.name "${doc.metadata?.name}" is not a valid name`);
  }
  ctx.baseManifests = resources.map((m) => ({ ...m.doc, __file: m.file }));
  // Kustomize's `labels` (includeTemplates) add pod labels that selectors may rely on: apply them
  // here so the unrendered base is judged as Kustomize would build it.
  const baseK = findKustomization(join(k8s, 'base'));
  for (const l of asArray(baseK ? parseQuiet(baseK)?.labels : [])) {
    if (!l?.includeTemplates) continue;
    for (const o of ctx.baseManifests) {
      if (o.kind !== 'Deployment' || !o.spec?.template) continue;
      o.spec.template.metadata = { ...o.spec.template.metadata, labels: { ...o.spec.template.metadata?.labels, ...l.pairs } };
    }
  }
  checkK8sObjects(report, root, ctx.baseManifests, 'base');

  // Render each overlay with kubectl's built-in Kustomize (offline) when available.
  const overlays = join(k8s, 'overlays');
  const overlayDirs = existsSync(overlays) ? readdirSync(overlays).map((d) => join(overlays, d)).filter((d) => findKustomization(d)) : [];
  report.ok(overlayDirs.some((d) => d.endsWith(`${sep}dev`)) && overlayDirs.some((d) => d.endsWith(`${sep}production`)), overlays, 'expected overlays dev and production');
  const kubectl = ctx.kubectl ? which('kubectl') : null;
  if (!kubectl) { report.note('kubectl not used: overlays were checked file by file but not rendered'); return; }
  for (const dir of overlayDirs) {
    let out;
    try {
      out = execFileSync(kubectl, ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    } catch (err) {
      report.fail(dir, `kubectl kustomize failed: ${String(err.stderr || err.message).trim().split('\n').pop()}`);
      continue;
    }
    report.ok(true, dir, 'renders');
    const objects = YAML.parseAllDocuments(out).map((d) => d.toJS()).filter(Boolean).map((o) => ({ ...o, __file: `${relative(root, dir)} (rendered)` }));
    checkK8sObjects(report, root, objects, 'rendered', dir.split(sep).pop());
  }
}

function parseQuiet(file) {
  try { return YAML.parse(readFileSync(file, 'utf8')); } catch { return null; }
}

function which(cmd) {
  for (const d of (process.env.PATH ?? '').split(':')) { const f = join(d, cmd); if (d && existsSync(f)) return f; }
  return null;
}

const selects = (selector, labels) => isMap(selector) && Object.entries(selector).every(([k, v]) => labels?.[k] === v);
const selectsExpr = (sel, labels) => {
  if (!isMap(sel)) return false;
  const okLabels = selects(sel.matchLabels ?? {}, labels);
  const okExpr = asArray(sel.matchExpressions).every((e) => {
    const v = labels?.[e.key];
    if (e.operator === 'In') return e.values.includes(v);
    if (e.operator === 'NotIn') return !e.values.includes(v);
    if (e.operator === 'Exists') return v !== undefined;
    if (e.operator === 'DoesNotExist') return v === undefined;
    return false;
  });
  return okLabels && okExpr;
};

function checkK8sObjects(report, root, objects, phase, overlay) {
  const of = (kind) => objects.filter((o) => o.kind === kind);
  const deployments = of('Deployment');
  const where = (o) => `${o.__file} ${o.kind}/${o.metadata?.name}`;
  const containerPorts = (d) => d.spec?.template?.spec?.containers?.flatMap((c) => asArray(c.ports)) ?? [];

  for (const app of APPS) report.ok(deployments.some((d) => d.metadata?.name === app), `deploy/k8s (${phase}${overlay ? ` ${overlay}` : ''})`, `no Deployment "${app}"`);

  for (const d of deployments) {
    const at = where(d);
    const spec = d.spec ?? {};
    const pod = spec.template?.spec ?? {};
    const podLabels = spec.template?.metadata?.labels ?? {};
    report.ok(selects(spec.selector?.matchLabels, podLabels) && Object.keys(spec.selector?.matchLabels ?? {}).length > 0, at, 'selector.matchLabels does not match the pod template labels');
    report.ok(Number.isInteger(pod.terminationGracePeriodSeconds), at, 'terminationGracePeriodSeconds not set (graceful drain)');
    report.ok(pod.securityContext?.runAsNonRoot === true, at, 'pod securityContext.runAsNonRoot must be true');
    report.ok(pod.securityContext?.seccompProfile?.type === 'RuntimeDefault', at, 'pod seccompProfile should be RuntimeDefault');
    const containers = asArray(pod.containers);
    if (!report.ok(containers.length > 0, at, 'no containers')) continue;
    const names = new Set(containerPorts(d).map((p) => p.name).filter(Boolean));
    for (const c of containers) {
      const cat = `${at} container ${c.name}`;
      report.ok(c.image, cat, 'no image');
      if (phase === 'rendered' && overlay === 'production') report.ok(!/:latest$|^[^:]+$/.test(c.image ?? ''), cat, `production image "${c.image}" must pin a tag`);
      for (const kind of ['requests', 'limits']) for (const r of ['cpu', 'memory']) {
        report.ok(c.resources?.[kind]?.[r] !== undefined, cat, `resources.${kind}.${r} missing`);
      }
      for (const [probe, path] of [['livenessProbe', '/healthz'], ['readinessProbe', '/readyz']]) {
        const p = c[probe];
        if (!report.ok(p?.httpGet, cat, `${probe} (httpGet ${path}) missing`)) continue;
        report.ok(p.httpGet.path === path, cat, `${probe} should GET ${path} (got ${p.httpGet.path})`);
        const port = p.httpGet.port;
        report.ok(typeof port === 'number' || names.has(port), cat, `${probe} port "${port}" is not a named container port`);
        const app = c.name in HEALTH_PORT ? c.name : d.metadata?.name;
        if (HEALTH_PORT[app]) {
          const num = typeof port === 'number' ? port : containerPorts(d).find((x) => x.name === port)?.containerPort;
          report.ok(num === HEALTH_PORT[app], cat, `${probe} port ${num} is not ${app}'s health port ${HEALTH_PORT[app]}`);
        }
      }
      report.ok(c.lifecycle?.preStop, cat, 'no preStop hook: endpoints may still route to a draining pod');
      const sc = c.securityContext ?? {};
      report.ok(sc.readOnlyRootFilesystem === true, cat, 'securityContext.readOnlyRootFilesystem must be true');
      report.ok(sc.allowPrivilegeEscalation === false, cat, 'securityContext.allowPrivilegeEscalation must be false');
      report.ok(asArray(sc.capabilities?.drop).includes('ALL'), cat, 'securityContext.capabilities.drop must include ALL');
      report.ok(!(sc.runAsUser === 0 || pod.securityContext?.runAsUser === 0), cat, 'runs as uid 0');
      for (const p of asArray(c.ports)) {
        report.ok(p.containerPort >= 1024, cat, `containerPort ${p.containerPort} is privileged; a non-root process cannot bind it without extra capabilities`);
      }
      // Configuration references resolve to objects in the same set.
      for (const e of asArray(c.env)) {
        const ref = e.valueFrom?.secretKeyRef;
        if (!ref) continue;
        const secret = objects.find((o) => o.kind === 'Secret' && o.metadata?.name === ref.name);
        if (secret) report.ok(Object.hasOwn({ ...secret.data, ...secret.stringData }, ref.key), cat, `env ${e.name}: Secret ${ref.name} has no key ${ref.key}`);
        else if (phase === 'base') report.fail(cat, `env ${e.name}: no Secret ${ref.name} in the base`);
      }
      for (const ef of asArray(c.envFrom)) {
        if (ef.configMapRef) {
          const name = ef.configMapRef.name;
          const found = objects.some((o) => o.kind === 'ConfigMap' && o.metadata?.name === name) || phase === 'base';
          report.ok(found, cat, `envFrom ConfigMap ${name} not found`);
        }
      }
      // terminationGracePeriodSeconds must cover the preStop sleep, the runtime's drain and its 5 s hard-stop margin.
      const drainEnv = asArray(c.env).find((e) => e.name === 'SHUTDOWN_GRACE_MS');
      if (drainEnv || phase === 'base') {
        const drainMs = Number(drainEnv?.value ?? 10_000);
        const preStopS = Number(asArray(c.lifecycle?.preStop?.exec?.command).find((x) => /^\d+$/.test(String(x))) ?? 0);
        report.ok(preStopS + drainMs / 1000 + 5 <= (pod.terminationGracePeriodSeconds ?? 30), cat,
          `terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds} < preStop ${preStopS}s + SHUTDOWN_GRACE_MS ${drainMs}ms + 5s`);
      }
      // Required env: what the app reads, from explicit env, the ConfigMap or a Secret.
      if (phase === 'rendered' && APP_ENV[d.metadata?.name]) {
        const app = d.metadata.name;
        const have = new Set(asArray(c.env).map((e) => e.name));
        for (const ef of asArray(c.envFrom)) {
          const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata?.name === ef.configMapRef?.name);
          for (const k of Object.keys(cm?.data ?? {})) have.add(k);
        }
        for (const key of [...COMMON_ENV, ...APP_ENV[app]]) {
          report.ok(have.has(key) || (key === 'MAX_MESSAGE_SIZE' && app !== 'smtp-in'), cat, `env ${key} not provided`);
        }
      }
    }
    for (const v of asArray(pod.volumes)) {
      if (v.secret && phase === 'base') report.ok(v.secret.secretName, at, `volume ${v.name}: secret volume without secretName`);
    }
  }

  const findDeploymentFor = (selector) => deployments.find((d) => selects(selector, d.spec?.template?.metadata?.labels));
  for (const s of of('Service')) {
    const at = where(s);
    const d = findDeploymentFor(s.spec?.selector);
    if (!report.ok(d, at, 'selector matches no Deployment')) continue;
    const names = new Set(containerPorts(d).map((p) => p.name));
    const nums = new Set(containerPorts(d).map((p) => p.containerPort));
    for (const p of asArray(s.spec?.ports)) {
      const t = p.targetPort ?? p.port;
      report.ok(typeof t === 'number' ? nums.has(t) : names.has(t), at, `port ${p.port}: targetPort ${t} is not a container port of ${d.metadata.name}`);
    }
  }
  for (const [app, ports] of Object.entries(LB_SERVICES)) {
    const s = of('Service').find((x) => x.metadata?.name === app);
    if (!report.ok(s, `deploy/k8s (${phase})`, `no Service ${app}`)) continue;
    report.ok(s.spec?.type === 'LoadBalancer', where(s), 'must be type LoadBalancer');
    const published = new Set(asArray(s.spec?.ports).map((p) => p.port));
    for (const p of ports) report.ok(published.has(p), where(s), `port ${p} not exposed`);
  }
  const adminSvc = of('Service').find((x) => x.metadata?.name === 'admin-api');
  if (report.ok(adminSvc, `deploy/k8s (${phase})`, 'no Service admin-api')) report.ok((adminSvc.spec?.type ?? 'ClusterIP') === 'ClusterIP', where(adminSvc), 'must be ClusterIP (expose through an Ingress with TLS)');

  for (const h of of('HorizontalPodAutoscaler')) {
    const at = where(h);
    const ref = h.spec?.scaleTargetRef;
    const d = deployments.find((x) => x.metadata?.name === ref?.name && ref?.kind === 'Deployment');
    if (!report.ok(d, at, `scaleTargetRef ${ref?.kind}/${ref?.name} not found`)) continue;
    report.ok(h.spec.minReplicas <= h.spec.maxReplicas, at, 'minReplicas > maxReplicas');
    const usesCpu = asArray(h.spec.metrics).some((m) => m.resource?.name === 'cpu');
    if (usesCpu) report.ok(d.spec.template.spec.containers.every((c) => c.resources?.requests?.cpu), at, 'CPU utilisation target needs CPU requests on every container');
  }
  for (const app of HPA_APPS) report.ok(of('HorizontalPodAutoscaler').some((h) => h.spec?.scaleTargetRef?.name === app), `deploy/k8s (${phase})`, `no HorizontalPodAutoscaler for ${app}`);

  for (const p of of('PodDisruptionBudget')) {
    report.ok(deployments.some((d) => selectsExpr(p.spec?.selector, d.spec?.template?.metadata?.labels)), where(p), 'selector matches no Deployment');
    report.ok((p.spec?.minAvailable === undefined) !== (p.spec?.maxUnavailable === undefined), where(p), 'set exactly one of minAvailable / maxUnavailable');
  }
  for (const app of APPS) report.ok(of('PodDisruptionBudget').some((p) => p.metadata?.name === app), `deploy/k8s (${phase})`, `no PodDisruptionBudget for ${app}`);

  const policies = of('NetworkPolicy');
  report.ok(policies.some((p) => isMap(p.spec?.podSelector) && Object.keys(p.spec.podSelector).length === 0 && !p.spec.ingress && !p.spec.egress && asArray(p.spec.policyTypes).includes('Ingress')),
    `deploy/k8s (${phase})`, 'no default-deny NetworkPolicy');
  for (const p of policies) {
    const selected = deployments.filter((d) => selectsExpr(p.spec?.podSelector, d.spec?.template?.metadata?.labels) || Object.keys(p.spec?.podSelector ?? {}).length === 0);
    report.ok(selected.length > 0, where(p), 'podSelector selects no Deployment');
    for (const rule of asArray(p.spec?.ingress)) for (const port of asArray(rule.ports)) {
      if (typeof port.port !== 'string') continue;
      report.ok(selected.every((d) => containerPorts(d).some((cp) => cp.name === port.port)), where(p), `ingress port "${port.port}" is not a named port of every selected pod`);
    }
  }
  for (const [app, ports] of Object.entries(LB_SERVICES)) {
    const d = deployments.find((x) => x.metadata?.name === app);
    if (!d) continue;
    const svc = of('Service').find((x) => x.metadata?.name === app);
    for (const port of ports) {
      const target = asArray(svc?.spec?.ports).find((p) => p.port === port)?.targetPort;
      const open = policies.some((p) => selectsExpr(p.spec?.podSelector, d.spec.template.metadata.labels) &&
        asArray(p.spec?.ingress).some((r) => !r.from && asArray(r.ports).some((x) => x.port === target)));
      report.ok(open, `deploy/k8s (${phase})`, `NetworkPolicy does not open ${app} port ${port} (${target}) to everyone`);
    }
  }
  const delivery = deployments.find((x) => x.metadata?.name === 'delivery');
  if (delivery) {
    report.ok(policies.some((p) => selectsExpr(p.spec?.podSelector, delivery.spec.template.metadata.labels) && asArray(p.spec?.egress).some((r) => asArray(r.ports).some((x) => x.port === 25))),
      `deploy/k8s (${phase})`, 'no NetworkPolicy lets delivery reach port 25 outside');
  }
}

// ---------------------------------------------------------------------------------------------
// Prometheus, alert rules, Grafana, OpenTelemetry collector

function promqlSanity(report, file, where, expr) {
  let depth = 0; let quote = null; let ok = true;
  const closers = { ')': '(', ']': '[', '}': '{' };
  const stack = [];
  for (const ch of expr) {
    if (quote) { if (ch === quote) quote = null; continue; }
    if (ch === '"' || ch === "'" || ch === '`') { quote = ch; continue; }
    if ('([{'.includes(ch)) stack.push(ch);
    else if (closers[ch]) { if (stack.pop() !== closers[ch]) ok = false; }
    depth = stack.length;
  }
  report.ok(ok && depth === 0 && !quote, file, `${where}: unbalanced brackets or quotes in "${expr.trim().slice(0, 80)}"`);
  for (const m of expr.matchAll(/\bmail_[a-z0-9_]+/g)) {
    const base = m[0].replace(/_(bucket|count|sum)$/, '');
    report.ok(KNOWN_METRICS.has(m[0]) || KNOWN_METRICS.has(base), file, `${where}: unknown metric ${m[0]} (typo, or add it to KNOWN_METRICS)`);
  }
  for (const m of expr.matchAll(/\[(\w+)(:\w*)?\]/g)) {
    if (m[1].startsWith('$')) continue;
    report.ok(PROM_DURATION.test(m[1]) || m[1] === '$__rate_interval', file, `${where}: bad range "${m[1]}"`);
  }
}

function checkRuleGroups(report, file, doc) {
  if (!report.ok(isMap(doc) && Array.isArray(doc.groups) && doc.groups.length > 0, file, 'must have a non-empty "groups" list')) return [];
  const names = new Set();
  const alerts = [];
  for (const g of doc.groups) {
    report.ok(g?.name && !names.has(g.name), file, `group name "${g?.name}" missing or duplicated`);
    names.add(g?.name);
    if (!report.ok(Array.isArray(g?.rules) && g.rules.length > 0, file, `group ${g?.name}: no rules`)) continue;
    for (const r of g.rules) {
      const id = r.alert ?? r.record ?? '(unnamed)';
      report.ok((r.alert === undefined) !== (r.record === undefined), file, `${g.name}/${id}: a rule has exactly one of alert or record`);
      if (!report.ok(typeof r.expr === 'string' && r.expr.trim(), file, `${g.name}/${id}: no expr`)) continue;
      promqlSanity(report, file, `${g.name}/${id}`, r.expr);
      if (r.for !== undefined) report.ok(PROM_DURATION.test(String(r.for)), file, `${g.name}/${id}: "for" is not a duration`);
      if (r.alert) {
        report.ok(/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(r.alert), file, `${g.name}/${id}: invalid alert name`);
        report.ok(r.labels?.severity, file, `${g.name}/${id}: labels.severity missing`);
        report.ok(r.annotations?.summary, file, `${g.name}/${id}: annotations.summary missing`);
        report.ok(r.annotations?.runbook_url, file, `${g.name}/${id}: annotations.runbook_url missing`);
        for (const [k, v] of Object.entries(r.annotations ?? {})) {
          for (const m of String(v).matchAll(/\|\s*([A-Za-z_]\w*)/g)) {
            report.ok(PROM_TEMPLATE_FUNCS.has(m[1]), file, `${g.name}/${id}: annotation ${k} uses "${m[1]}", not a Prometheus template function`);
          }
        }
        alerts.push(r);
      }
    }
  }
  return alerts;
}

function composeMountTarget(compose, service, hostPath) {
  const svc = compose?.services?.[service];
  for (const v of asArray(svc?.volumes)) {
    const [src, dst] = isMap(v) ? [v.source, v.target] : String(v).split(':');
    if (src && resolve('/r', src) === resolve('/r', hostPath)) return dst;
  }
  return null;
}

function checkPrometheus(report, root, ctx) {
  const dir = join(root, 'deploy', 'prometheus');
  const confFile = join(dir, 'prometheus.yml');
  const rulesFile = join(dir, 'alerts.yml');
  if (report.ok(existsSync(confFile), confFile, 'missing')) {
    const conf = parseYamlFile(report, confFile)?.[0];
    if (conf) {
      const jobs = asArray(conf.scrape_configs);
      const names = new Set();
      for (const j of jobs) {
        report.ok(j?.job_name && !names.has(j.job_name), confFile, `job_name "${j?.job_name}" missing or duplicated`);
        names.add(j?.job_name);
        report.ok(j.static_configs || j.dns_sd_configs || j.kubernetes_sd_configs || j.file_sd_configs, confFile, `job ${j.job_name}: no targets`);
      }
      for (const app of APPS) {
        const j = jobs.find((x) => x.job_name === app);
        if (!report.ok(j, confFile, `no scrape job for ${app}`)) continue;
        const ports = [...asArray(j.dns_sd_configs).map((s) => s.port), ...asArray(j.static_configs).flatMap((s) => asArray(s.targets)).map((t) => Number(String(t).split(':')[1]))];
        report.ok(ports.length && ports.every((p) => p === HEALTH_PORT[app]), confFile, `job ${app}: must scrape port ${HEALTH_PORT[app]}`);
        report.ok((j.metrics_path ?? '/metrics') === '/metrics', confFile, `job ${app}: metrics_path must be /metrics`);
      }
      for (const rf of asArray(conf.rule_files)) {
        const mounted = composeMountTarget(ctx.compose, 'prometheus', './deploy/prometheus/alerts.yml');
        report.ok(mounted === rf, confFile, `rule_files entry ${rf} is not where docker-compose mounts alerts.yml (${mounted})`);
      }
      for (const key of ['scrape_interval', 'evaluation_interval']) {
        if (conf.global?.[key]) report.ok(PROM_DURATION.test(conf.global[key]), confFile, `global.${key} is not a duration`);
      }
    }
  }
  if (report.ok(existsSync(rulesFile), rulesFile, 'missing')) {
    const doc = parseYamlFile(report, rulesFile)?.[0];
    const alerts = checkRuleGroups(report, rulesFile, doc);
    for (const [what, re] of ALERTS_REQUIRED) report.ok(alerts.some((a) => re.test(a.expr)), rulesFile, `no alert for ${what}`);
    ctx.alerts = doc;
  }
  // The compose file and the Kubernetes PrometheusRule are rendered from deploy/prometheus/rules.
  if (existsSync(join(root, 'deploy', 'prometheus', 'rules'))) {
    let stale;
    try { stale = staleAlertFiles(root); } catch (err) { stale = [`deploy/prometheus/rules: ${err.message}`]; }
    for (const p of ['deploy/prometheus/alerts.yml', 'deploy/k8s/components/monitoring/prometheusrule.yaml']) {
      report.ok(!stale.includes(p), p, 'differs from deploy/prometheus/rules/*.yml; run node scripts/render-alerts.mjs');
    }
  } else {
    report.fail(join(root, 'deploy', 'prometheus', 'rules'), 'missing: the alert rules source');
  }
  // What Prometheus itself would refuse (template functions, PromQL syntax): promtool when installed.
  if (ctx.promtool) {
    const problems = promtoolProblems(root);
    if (problems === null) report.note('promtool not installed: rules and config were not checked by Prometheus itself');
    else for (const { file, message } of problems.length ? problems : [{ file: null }]) report.ok(file === null, file ?? rulesFile, message);
  }
}

function checkGrafana(report, root, ctx) {
  const dir = join(root, 'deploy', 'grafana');
  const dsFiles = walkFiles(join(dir, 'provisioning', 'datasources'), (f) => /\.ya?ml$/.test(f));
  const uids = new Set();
  if (report.ok(dsFiles.length > 0, join(dir, 'provisioning', 'datasources'), 'no datasource provisioning file')) {
    for (const f of dsFiles) {
      const doc = parseYamlFile(report, f)?.[0];
      if (!doc) continue;
      report.ok(doc.apiVersion === 1, f, 'apiVersion must be 1');
      for (const ds of asArray(doc.datasources)) {
        report.ok(ds?.name && ds?.type && ds?.uid, f, 'datasource needs name, type and uid (dashboards refer to the uid)');
        if (ds?.uid) { report.ok(!uids.has(ds.uid), f, `duplicate datasource uid ${ds.uid}`); uids.add(ds.uid); }
        if (ds?.type === 'prometheus' && ctx.compose) {
          const host = /^https?:\/\/([^:/]+)/.exec(ds.url ?? '')?.[1];
          report.ok(host && Object.hasOwn(ctx.compose.services ?? {}, host), f, `datasource ${ds.name}: url host "${host}" is not a compose service`);
        }
      }
    }
  }
  const provFiles = walkFiles(join(dir, 'provisioning', 'dashboards'), (f) => /\.ya?ml$/.test(f));
  const dashMount = composeMountTarget(ctx.compose, 'grafana', './deploy/grafana/dashboards');
  if (report.ok(provFiles.length > 0, join(dir, 'provisioning', 'dashboards'), 'no dashboard provider file')) {
    for (const f of provFiles) {
      const doc = parseYamlFile(report, f)?.[0];
      for (const p of asArray(doc?.providers)) {
        report.ok(p?.type === 'file' && p?.options?.path, f, `provider ${p?.name}: needs type file and options.path`);
        if (ctx.compose) report.ok(p?.options?.path === dashMount, f, `provider ${p?.name}: path ${p?.options?.path} is not where docker-compose mounts the dashboards (${dashMount})`);
      }
    }
  }
  const dashboards = walkFiles(join(dir, 'dashboards'), (f) => f.endsWith('.json'));
  if (!report.ok(dashboards.length > 0, join(dir, 'dashboards'), 'no dashboard JSON')) return;
  const dashUids = new Set();
  const allExprs = [];
  for (const f of dashboards) {
    let dash;
    try { dash = JSON.parse(readFileSync(f, 'utf8')); } catch (err) { report.fail(f, `JSON does not parse: ${err.message}`); continue; }
    report.ok(true, f, 'parses');
    report.ok(dash.uid && dash.title, f, 'dashboard needs uid and title');
    report.ok(!dashUids.has(dash.uid), f, `duplicate dashboard uid ${dash.uid}`);
    dashUids.add(dash.uid);
    const vars = new Set(asArray(dash.templating?.list).map((v) => v.name));
    const checkDs = (where, ds) => {
      if (ds === undefined || ds === null) return;
      const uid = typeof ds === 'string' ? ds : ds.uid;
      const isVar = typeof uid === 'string' && /^\$\{?(\w+)/.test(uid) && vars.has(/^\$\{?(\w+)/.exec(uid)[1]);
      report.ok(isVar || uids.has(uid), f, `${where}: datasource uid "${uid}" is not provisioned (${[...uids].join(', ')})`);
    };
    for (const v of asArray(dash.templating?.list)) if (v.type === 'query') checkDs(`variable ${v.name}`, v.datasource);
    const panels = [];
    const collect = (ps) => { for (const p of asArray(ps)) { panels.push(p); collect(p.panels); } };
    collect(dash.panels);
    const ids = new Set();
    for (const p of panels) {
      report.ok(Number.isInteger(p.id) && !ids.has(p.id), f, `panel "${p.title}": id missing or duplicated`);
      ids.add(p.id);
      report.ok(p.gridPos && ['h', 'w', 'x', 'y'].every((k) => Number.isInteger(p.gridPos[k])) && p.gridPos.x + p.gridPos.w <= 24, f, `panel "${p.title}": bad gridPos`);
      if (p.type === 'row') continue;
      report.ok(typeof p.description === 'string' && p.description.length > 10, f, `panel "${p.title}": no description`);
      checkDs(`panel "${p.title}"`, p.datasource);
      if (!report.ok(asArray(p.targets).length > 0, f, `panel "${p.title}": no queries`)) continue;
      for (const t of p.targets) {
        checkDs(`panel "${p.title}" query ${t.refId}`, t.datasource);
        if (report.ok(typeof t.expr === 'string' && t.expr.trim(), f, `panel "${p.title}" query ${t.refId}: no expr`)) {
          promqlSanity(report, f, `panel "${p.title}"`, t.expr);
          allExprs.push(t.expr);
        }
      }
    }
  }
  // The overview must show what operators look at first.
  const wanted = [
    ['messages accepted', 'mail_smtp_messages_accepted_total'], ['messages rejected', 'mail_smtp_messages_rejected_total'],
    ['queue depth', 'mail_queue_depth'], ['delivery outcomes', 'mail_delivery_attempts_total'],
    ['delivery latency', 'mail_delivery_latency_seconds_bucket'], ['logins', 'mail_auth_logins_total'],
    ['bus latency per subject', 'mail_bus_request_duration_seconds_bucket'], ['process memory', 'process_resident_memory_bytes'],
    ['process CPU', 'process_cpu_seconds_total'],
  ];
  for (const [what, metric] of wanted) report.ok(allExprs.some((e) => e.includes(metric)), join(dir, 'dashboards'), `no panel shows ${what} (${metric})`);
}

function checkOtelCollector(report, root, ctx) {
  const file = join(root, 'deploy', 'otel-collector', 'config.yaml');
  if (!report.ok(existsSync(file), file, 'missing')) return;
  const conf = parseYamlFile(report, file)?.[0];
  if (!conf) return;
  const pipelines = conf.service?.pipelines;
  if (!report.ok(isMap(pipelines) && Object.keys(pipelines).length > 0, file, 'service.pipelines is empty')) return;
  for (const [name, p] of Object.entries(pipelines)) {
    report.ok(/^(traces|metrics|logs)(\/.+)?$/.test(name), file, `pipeline ${name}: must be traces, metrics or logs[/name]`);
    for (const kind of ['receivers', 'processors', 'exporters']) {
      if (kind !== 'processors') report.ok(asArray(p?.[kind]).length > 0, file, `pipeline ${name}: no ${kind}`);
      for (const c of asArray(p?.[kind])) report.ok(isMap(conf[kind]) && Object.hasOwn(conf[kind], c), file, `pipeline ${name}: ${kind.slice(0, -1)} "${c}" is not defined`);
    }
  }
  for (const e of asArray(conf.service?.extensions)) report.ok(isMap(conf.extensions) && Object.hasOwn(conf.extensions, e), file, `extension "${e}" is not defined`);
  report.ok(isMap(conf.receivers?.otlp?.protocols?.http), file, 'the services export OTLP over HTTP: receivers.otlp.protocols.http is needed');
  const httpPort = /:(\d+)$/.exec(conf.receivers?.otlp?.protocols?.http?.endpoint ?? '0.0.0.0:4318')?.[1];
  for (const app of APPS) {
    const ep = composeEnv(ctx.compose?.services?.[app] ?? {}).OTEL_EXPORTER_OTLP_ENDPOINT;
    if (ep) report.ok(new URL(ep).port === httpPort, 'docker-compose.yml', `services.${app}: OTLP endpoint port ${new URL(ep).port} is not the collector's HTTP port ${httpPort}`);
  }
}

// ---------------------------------------------------------------------------------------------

function checkYamlParses(report, root) {
  const files = [join(root, 'docker-compose.yml'), ...walkFiles(join(root, 'deploy'), (f) => /\.ya?ml$/.test(f))].filter((f) => existsSync(f));
  for (const f of files) parseYamlFile(report, f);
}

// opts.kubectl: false skips rendering the overlays even when kubectl is installed; opts.promtool: false
// skips promtool (the fixtures of the validator's own tests).
export function validateDeploy(rootDir, opts = {}) {
  const root = resolve(rootDir);
  const report = new Report(root);
  const ctx = { kubectl: opts.kubectl ?? !process.env.VALIDATE_DEPLOY_NO_KUBECTL, promtool: opts.promtool ?? true };
  checkYamlParses(report, root);
  checkCompose(report, root, ctx);
  checkDockerfile(report, root);
  checkKustomizations(report, root, ctx);
  checkPrometheus(report, root, ctx);
  checkGrafana(report, root, ctx);
  checkOtelCollector(report, root, ctx);
  return { passed: report.passed, failures: report.failures, notes: report.notes };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const { passed, failures, notes } = validateDeploy(root);
  for (const n of notes) console.log(`validate-deploy: note: ${n}`);
  if (failures.length) {
    for (const f of failures) console.error(`validate-deploy: FAIL ${f}`);
    console.error(`validate-deploy: ${failures.length} of ${passed + failures.length} checks failed`);
    process.exit(1);
  }
  console.log(`validate-deploy: ${passed} checks passed`);
}
