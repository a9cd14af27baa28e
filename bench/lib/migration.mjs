// The migration line (issue 16): a filled IMAP folder copied into another account by a migration
// batch (mailctl migration's API), timed from `start` to `synced`: messages/s and CPU per message.
// The source is the side's own IMAP server (platform → platform; Dovecot is not installed here:
// see bench/README.md), so the source's CPU (serving FETCH) counts in the per-message CPU too.
import { cpuOf, machineCpuMs } from './procmem.mjs';
import { cpuProcesses, HarnessError } from './phases.mjs';

const POLL_MS = 200;

async function api(target, method, path, body) {
  const res = await fetch(`${target.adminUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${target.adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new HarnessError(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

/** Copies `source`'s mailbox (`count` messages) into `dest` on the same side; pushes migration.rate and cpu.migration.* */
export async function migrationPhase({ target, source, dest, count, into, log, timeoutMs = 30 * 60_000 }) {
  const name = `bench-${Date.now()}`;
  await api(target, 'POST', '/api/v1/migrations', {
    name,
    host: target.host,
    port: target.ports.imap,
    tls: 'none',
    // one user: one connection, and no pacing worth the name (the figure is the copy's own speed)
    maxConnections: 1,
    messagesPerSecond: 100_000,
    users: [{ emailAddress: dest.address, userName: source.address, password: source.password }],
  });
  const listed = cpuProcesses(target);
  const cpu0 = cpuOf(listed);
  const machine0 = machineCpuMs();
  const t0 = performance.now();
  await api(target, 'POST', `/api/v1/migrations/${name}/start`);
  let batch;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    batch = await api(target, 'GET', `/api/v1/migrations/${name}`);
    if (batch.state === 'synced') break;
    if (Date.now() > deadline) throw new HarnessError(`${target.name}: migration not synced after ${timeoutMs / 1000} s: ${JSON.stringify(batch.counts)}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = cpuOf(cpuProcesses(target));
  const machinePerMessage = (machineCpuMs() - machine0) / count;
  const user = batch.users[0];
  if (user.state !== 'synced' || user.messagesDone !== count) {
    throw new HarnessError(`${target.name}: migration copied ${user.messagesDone} of ${count} messages (${user.state}: ${user.lastError ?? 'no error'})`);
  }
  const rate = count / seconds;
  (into['migration.rate'] ??= []).push(rate);
  (into['cpu.migration.machine'] ??= []).push(machinePerMessage);
  const perProcess = Object.fromEntries(Object.keys(cpu1).map((k) => [k, (cpu1[k] - (cpu0[k] ?? 0)) / count]));
  for (const [k, v] of Object.entries(perProcess)) (into[`cpu.migration.${k}`] ??= []).push(v);
  log(
    `  ${target.name}: migration of ${count.toLocaleString('en-US')} messages in ${seconds.toFixed(1)} s: ${rate.toFixed(0)} msg/s, machine CPU ${machinePerMessage.toFixed(2)} ms per message ` +
      `(${Object.entries(perProcess).sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')})`,
  );
  await api(target, 'DELETE', `/api/v1/migrations/${name}`);
}
