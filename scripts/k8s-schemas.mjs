#!/usr/bin/env node
// Renders every Kustomize overlay with `kubectl kustomize` and validates each rendered object against
// the Kubernetes API's OpenAPI schemas (types, required fields, enums, formats), as shipped compiled
// in the npm packages kubernetes-models (core API) and @kubernetes-models/prometheus-operator
// (PodMonitor, PrometheusRule). The monitoring component is validated on its own as well (the
// production overlay leaves it commented out). The schemas allow unknown fields, so a misspelt
// optional field is not caught here: scripts/validate-deploy.mjs checks the fields that matter.
//
//   node scripts/k8s-schemas.mjs     # exit 1 and list the problems, or print how many objects passed
//
// Importable: validateK8sSchemas(root) -> { kubectl, checked, problems: [{ where, message }] }.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

export function findKubectl() {
  for (const d of (process.env.PATH ?? '').split(':')) if (d && existsSync(join(d, 'kubectl'))) return join(d, 'kubectl');
  return null;
}

/** The module of kubernetes-models that holds the model for apiVersion/kind, or null. */
export function modelModule(apiVersion, kind) {
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !/^[A-Za-z]+$/.test(kind)) return null;
  if (apiVersion.startsWith('monitoring.coreos.com/')) return `@kubernetes-models/prometheus-operator/${apiVersion}/${kind}`;
  if (!/^([a-z0-9.-]+\/)?v\d+((alpha|beta)\d+)?$/.test(apiVersion)) return null;
  return `kubernetes-models/${apiVersion}/${kind}`;
}

/** Problems of one object: [] when it matches its API schema. */
export async function schemaProblems(obj) {
  const mod = modelModule(obj?.apiVersion, obj?.kind);
  if (!mod) return [`${obj?.apiVersion}/${obj?.kind}: not a Kubernetes API type this check knows`];
  let Model;
  try {
    Model = (await import(mod))[obj.kind];
  } catch {
    return [`${obj.apiVersion}/${obj.kind}: no such kind in this API version`];
  }
  try {
    new Model(obj).validate();
    return [];
  } catch (err) {
    return [String(err.message).split('\n')[0]];
  }
}

export async function validateK8sSchemas(root) {
  const kubectl = findKubectl();
  const problems = [];
  let checked = 0;
  const check = async (where, objects) => {
    for (const o of objects) {
      checked++;
      for (const message of await schemaProblems(o)) problems.push({ where: `${where} ${o?.kind}/${o?.metadata?.name}`, message });
    }
  };
  const overlays = join(root, 'deploy', 'k8s', 'overlays');
  if (kubectl) {
    for (const name of readdirSync(overlays).sort()) {
      const dir = join(overlays, name);
      let out;
      try {
        out = execFileSync(kubectl, ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
      } catch (err) {
        problems.push({ where: relative(root, dir), message: `kubectl kustomize failed: ${String(err.stderr || err.message).trim()}` });
        continue;
      }
      await check(`${relative(root, dir)} (rendered)`, YAML.parseAllDocuments(out).map((d) => d.toJS()).filter(Boolean));
    }
  }
  // Components are not renderable alone; their resources are plain objects.
  const components = join(root, 'deploy', 'k8s', 'components');
  for (const name of existsSync(components) ? readdirSync(components).sort() : []) {
    const k = YAML.parse(readFileSync(join(components, name, 'kustomization.yaml'), 'utf8'));
    for (const r of k?.resources ?? []) {
      const file = join(components, name, r);
      await check(relative(root, file), YAML.parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS()).filter(Boolean));
    }
  }
  return { kubectl, checked, problems };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const { kubectl, checked, problems } = await validateK8sSchemas(root);
  if (!kubectl) console.log('k8s-schemas: kubectl not installed: overlays not rendered, only the component files checked');
  for (const p of problems) console.error(`k8s-schemas: FAIL ${p.where}: ${p.message}`);
  console.log(`k8s-schemas: ${checked} objects checked, ${problems.length} problems`);
  process.exit(problems.length ? 1 : 0);
}
