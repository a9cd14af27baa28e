// The anchor: a private Postfix + Dovecot pair for the same domain and users as our platform, listening on
// loopback only, Postfix delivering by LMTP into Dovecot, nothing ever leaving the machine
// (default_transport = error, no relayhost). Everything lives under one directory; the system's own
// /etc/postfix and /etc/dovecot configurations are never read or changed.
//   node bench/anchor/anchor.mjs start|stop   (by hand; the bench uses startAnchor())
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, chownSync, openSync, closeSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
import { freePort, waitPort } from '../lib/net.mjs';
import { processTree } from '../lib/procmem.mjs';

const run = promisify(execFile);
const require = createRequire(import.meta.url);

/** Starts a daemon: its output goes to a file, because a forked daemon keeps inherited pipes open forever. */
function startDaemon(cmd, args, logFile) {
  const fd = openSync(logFile, 'a');
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', fd, fd] });
    child.on('error', reject);
    child.on('exit', (code) => {
      closeSync(fd);
      if (code === 0) resolve();
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}; see ${logFile}`));
    });
  });
}
const here = dirname(fileURLToPath(import.meta.url));
export const ANCHOR_DIR = process.env.BENCH_ANCHOR_DIR ?? '/tmp/mail-bench-anchor';
export const DOMAIN = 'bench.test';

function mailOwner() {
  // Debian's "mail" user owns the virtual mailboxes; fall back to nobody if it is missing
  for (const name of ['mail', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name]).toString().trim());
      const gid = Number(execFileSync('id', ['-g', name]).toString().trim());
      return { name, uid, gid };
    } catch {
      /* try the next */
    }
  }
  throw new Error('no unprivileged user to own the anchor mailboxes');
}

function postfixConfig(dir, port, lmtpSocket) {
  const main = `
compatibility_level = 3.6
config_directory = ${dir}/postfix
queue_directory = ${dir}/postfix-spool
data_directory = ${dir}/postfix-data
mail_owner = postfix
setgid_group = postdrop
myhostname = anchor.${DOMAIN}
mydomain = ${DOMAIN}
myorigin = ${DOMAIN}
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost =
default_transport = error:anchor never delivers outside
relay_transport = error:anchor never delivers outside
local_transport = error:no local delivery
virtual_mailbox_domains = ${DOMAIN}
virtual_mailbox_maps = texthash:${dir}/postfix/vmailbox
virtual_transport = lmtp:unix:${lmtpSocket}
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination
message_size_limit = 52428800
biff = no
append_dot_mydomain = no
maillog_file_prefixes = ${dir}
maillog_file = ${dir}/postfix.log
smtputf8_enable = no
`;
  // chroot off: the private queue directory is not a prepared chroot
  const master = `
127.0.0.1:${port} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
`;
  return { main, master };
}

function dovecotConfig(dir, ports, owner, maxConnections) {
  return `
instance_name = mail-bench-anchor
base_dir = ${dir}/dovecot-run
state_dir = ${dir}/dovecot-state
log_path = ${dir}/dovecot.log
protocols = imap pop3 lmtp
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:${dir}/mail/%d/%n/Maildir
first_valid_uid = ${owner.uid}
mail_max_userip_connections = ${maxConnections}
passdb {
  driver = passwd-file
  args = username_format=%u ${dir}/dovecot/users
}
userdb {
  driver = static
  args = uid=${owner.uid} gid=${owner.gid} home=${dir}/mail/%d/%n
}
namespace inbox {
  inbox = yes
  separator = /
}
protocol lmtp {
  postmaster_address = postmaster@${DOMAIN}
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${ports.imap}
  }
  inet_listener imaps {
    port = 0
  }
  process_limit = ${maxConnections + 100}
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = ${ports.pop3}
  }
  inet_listener pop3s {
    port = 0
  }
}
service imap {
  process_limit = ${maxConnections + 100}
}
service lmtp {
  unix_listener lmtp {
    mode = 0666
  }
}
service anvil {
  client_limit = ${2 * maxConnections + 500}
}
service auth {
  client_limit = ${2 * maxConnections + 500}
}
default_client_limit = ${2 * maxConnections + 500}
`;
}

async function ensureInstalled() {
  await run('bash', [join(here, 'install.sh')], { maxBuffer: 64 * 1024 * 1024 });
}

export async function anchorVersions() {
  const v = { postfix: '?', dovecot: '?' };
  try {
    v.postfix = execFileSync('postconf', ['-d', '-h', 'mail_version']).toString().trim();
  } catch { /* not installed */ }
  try {
    v.dovecot = execFileSync('dovecot', ['--version']).toString().trim();
  } catch { /* not installed */ }
  return v;
}

/**
 * The same argon2id hash, with the same cost, that our platform stores (libs/auth ARGON2_OPTIONS), so
 * LOGIN costs the same on both sides; Dovecot's libsodium reads the parameters from the string.
 */
async function hashPassword(password) {
  const { hash, Algorithm } = require('@node-rs/argon2');
  const h = await hash(password, { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 });
  return `{ARGON2ID}${h}`;
}

/**
 * Installs if needed, writes the configuration, starts both daemons and waits for their ports.
 * users: [{ local, password }] in DOMAIN.
 */
export async function startAnchor({ users, maxConnections = 2500, dir = ANCHOR_DIR, log = () => undefined }) {
  await ensureInstalled();
  await stopAnchor(dir).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
  const owner = mailOwner();
  for (const sub of ['postfix', 'postfix-spool', 'postfix-data', 'dovecot', 'dovecot-run', 'dovecot-state', 'mail']) mkdirSync(join(dir, sub), { recursive: true });
  chownSync(join(dir, 'mail'), owner.uid, owner.gid);
  const postfixUser = Number(execFileSync('id', ['-u', 'postfix']).toString().trim());
  chownSync(join(dir, 'postfix-data'), postfixUser, -1);
  const ports = { smtp: await freePort(), imap: await freePort(), pop3: await freePort() };

  const pf = postfixConfig(dir, ports.smtp, join(dir, 'dovecot-run', 'lmtp'));
  writeFileSync(join(dir, 'postfix', 'main.cf'), pf.main);
  writeFileSync(join(dir, 'postfix', 'master.cf'), pf.master);
  writeFileSync(join(dir, 'postfix', 'vmailbox'), users.map((u) => `${u.local}@${DOMAIN} ok\n`).join(''));
  const hashes = new Map();
  for (const u of users) if (!hashes.has(u.password)) hashes.set(u.password, await hashPassword(u.password));
  writeFileSync(join(dir, 'dovecot', 'users'), users.map((u) => `${u.local}@${DOMAIN}:${hashes.get(u.password)}::::\n`).join(''));
  writeFileSync(join(dir, 'dovecot', 'dovecot.conf'), dovecotConfig(dir, ports, owner, maxConnections));

  log(`anchor: starting dovecot (imap ${ports.imap}, pop3 ${ports.pop3}) and postfix (smtp ${ports.smtp}) in ${dir}`);
  await startDaemon('dovecot', ['-c', join(dir, 'dovecot', 'dovecot.conf')], join(dir, 'start.log'));
  await startDaemon('postfix', ['-c', join(dir, 'postfix'), 'start'], join(dir, 'start.log'));
  await Promise.all([waitPort(ports.smtp), waitPort(ports.imap), waitPort(ports.pop3)]);
  return {
    name: 'anchor',
    host: '127.0.0.1',
    domain: DOMAIN,
    dir,
    ports,
    owner,
    maildir: (local) => join(dir, 'mail', DOMAIN, local, 'Maildir'),
    serverPids: () => anchorPids(dir),
    close: () => stopAnchor(dir),
  };
}

function readPid(file) {
  try {
    return Number(readFileSync(file, 'utf8').trim());
  } catch {
    return 0;
  }
}

/** Every process of both daemons: the master of each and all its children. */
export function anchorPids(dir = ANCHOR_DIR) {
  const roots = [readPid(join(dir, 'dovecot-run', 'master.pid')), readPid(join(dir, 'postfix-spool', 'pid', 'master.pid'))].filter(Boolean);
  return processTree(roots);
}

export function dovecotPids(dir = ANCHOR_DIR) {
  return processTree([readPid(join(dir, 'dovecot-run', 'master.pid'))].filter(Boolean));
}

export async function stopAnchor(dir = ANCHOR_DIR) {
  const errors = [];
  if (existsSync(join(dir, 'postfix', 'main.cf'))) await run('postfix', ['-c', join(dir, 'postfix'), 'stop']).catch((e) => errors.push(e));
  if (existsSync(join(dir, 'dovecot', 'dovecot.conf'))) await run('doveadm', ['-c', join(dir, 'dovecot', 'dovecot.conf'), 'stop']).catch((e) => errors.push(e));
  // doveadm stop returns before every child has gone; wait so the next start finds the ports free
  for (let i = 0; i < 100 && anchorPids(dir).length; i++) await new Promise((r) => setTimeout(r, 100));
  return errors;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const cmd = process.argv[2];
  if (cmd === 'start') {
    const users = Array.from({ length: 4 }, (_, i) => ({ local: `user${i}`, password: 'bench-password-1' }));
    const a = await startAnchor({ users, log: console.log });
    console.log(JSON.stringify({ ports: a.ports, dir: a.dir, users: users.map((u) => `${u.local}@${DOMAIN}`), password: 'bench-password-1' }));
  } else if (cmd === 'stop') {
    await stopAnchor();
  } else {
    console.error('usage: node bench/anchor/anchor.mjs start|stop');
    process.exit(2);
  }
}
