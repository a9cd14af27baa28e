// The environment an embedded process (`apps/standalone`, `npm start`) is started with by the bench
// tools and specs that start one: every listener on its own free port of 127.0.0.1, an admin token.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { freePort } from './net.mjs';

/** `{ ports, env }`: env has PATH and the listeners' settings, then `extra` (DATA_DIR, NODE_ENV, …) */
export async function embeddedEnv(extra = {}) {
  const ports = { smtp: await freePort(), submission: await freePort(), imap: await freePort(), pop3: await freePort(), admin: await freePort(), http: await freePort() };
  const env = {
    PATH: process.env.PATH,
    LOG_LEVEL: 'warn',
    BIND_HOST: '127.0.0.1',
    HOSTNAME_FQDN: 'localhost',
    SMTP_PORT: String(ports.smtp),
    SUBMISSION_PORT: String(ports.submission),
    IMAP_PORT: String(ports.imap),
    POP3_PORT: String(ports.pop3),
    ADMIN_PORT: String(ports.admin),
    HTTP_PORT: String(ports.http),
    ADMIN_TOKEN: randomBytes(24).toString('base64url'),
    ...extra,
  };
  return { ports, env };
}

/** whether an SMTP server on 127.0.0.1:port greets (220) */
export const smtpBanner = (port) =>
  new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('data', (d) => (c.destroy(), resolve(String(d).startsWith('220'))));
    c.once('error', () => resolve(false));
  });

/** the machine's 1-minute load average, as /proc/loadavg gives it */
export const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0];

/**
 * Waits until a started embedded process (or `npm start`) greets on SMTP and answers /readyz; throws
 * with the end of its output if it exits first or takes longer than limitMs. Returns when the banner
 * came (ms after `started`) and the output so far.
 */
export async function untilReady(child, ports, started, { what = 'the embedded process', limitMs = 300_000 } = {}) {
  let log = '';
  const keep = (c) => (log = (log + c).slice(-20_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let bannerMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}:\n${log}`);
    if (bannerMs === undefined && (await smtpBanner(ports.smtp))) bannerMs = performance.now() - started;
    if (bannerMs !== undefined && (await fetch(`http://127.0.0.1:${ports.admin}/readyz`).then((r) => r.ok, () => false))) break;
    if (performance.now() - started > limitMs) throw new Error(`${what} not ready after ${limitMs / 1000} s:\n${log}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return { bannerMs, log: () => log };
}
