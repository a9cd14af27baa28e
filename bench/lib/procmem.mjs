// Memory of a set of server processes, read from /proc (Linux). PSS splits shared pages fairly between
// processes, so summing it over many forked processes (Dovecot) or a few big ones (Node) is comparable.
import { readdirSync, readFileSync } from 'node:fs';

function parentOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name is in parentheses and may contain spaces; fields resume after the last ')'
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return -1;
  }
}

/** The given processes and all their descendants that are alive now. */
export function processTree(roots) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    const ppid = parentOf(pid);
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(pid);
  }
  const out = [];
  const stack = roots.filter((p) => p > 0 && parentOf(p) !== -1);
  while (stack.length) {
    const p = stack.pop();
    out.push(p);
    stack.push(...(children.get(p) ?? []));
  }
  return out;
}

function kb(text, field) {
  const m = text.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
  return m ? Number(m[1]) : 0;
}

/** Summed PSS and RSS in bytes; processes that vanished meanwhile are skipped. */
export function memoryOf(pids) {
  let pss = 0;
  let rss = 0;
  let counted = 0;
  for (const pid of pids) {
    try {
      const t = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      pss += kb(t, 'Pss') * 1024;
      rss += kb(t, 'Rss') * 1024;
      counted++;
    } catch {
      /* gone */
    }
  }
  return { pss, rss, processes: counted };
}

const TICK_MS = 10; // USER_HZ is 100 on every Linux we run on

/** CPU time (user + system, ms) of one thread (task `tid` of process `pid`; the main thread's tid is the pid), 0 once gone. */
export function threadCpuOf(pid, tid) {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

/** CPU time (user + system, ms) of each thread of process `pid`, by tid */
export function threadsCpuOf(pid) {
  const out = new Map();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) out.set(Number(tid), threadCpuOf(pid, tid));
  } catch {
    /* gone */
  }
  return out;
}

/** CPU time (user + system, ms) per process, keyed by the name given in `named` ({ name, pid }[]). */
export function cpuOf(named) {
  const out = {};
  for (const { name, pid } of named) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields 14 and 15 (utime, stime) are at 11 and 12 after the command name
      out[name] = (out[name] ?? 0) + (Number(f[11]) + Number(f[12])) * TICK_MS;
    } catch {
      /* gone */
    }
  }
  return out;
}

/**
 * CPU ms of whole process trees, keyed by name: every live process under each root, with the time of
 * its children that have exited (the kernel adds a reaped child's utime/stime to its parent's
 * cutime/cstime). Dovecot starts an imap process per session and PostgreSQL a backend per
 * connection: reading only the live ones would lose what every finished session cost.
 * `tree: false` reads one process alone (with its exited children), for callers that name each one.
 */
export function treeCpuOf(named) {
  const out = {};
  for (const { name, pid, tree = true } of named) {
    for (const p of tree ? processTree([pid]) : [pid]) {
      try {
        const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        // utime, stime, cutime, cstime: fields 14-17, at 11-14 after the command name
        out[name] = (out[name] ?? 0) + (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * TICK_MS;
      } catch {
        /* gone */
      }
    }
  }
  return out;
}

/**
 * Busy CPU time of the whole machine so far (ms, from /proc/stat: everything but idle and iowait).
 * Against the sum over the listed processes it shows the work no process is charged with: the
 * kernel's journal commits behind fsync, softirqs, writeback.
 */
export function machineCpuMs() {
  const [, ...f] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = f.map(Number);
  return (user + nice + system + irq + softirq + steal) * TICK_MS;
}

/**
 * Read and write system calls so far (/proc/PID/io syscr + syscw) per process, keyed like cpuOf.
 * Counts, unlike CPU time, do not drift with the machine's speed: they show whether a change
 * really sends fewer, larger writes (each loopback write costs TCP work on both of its ends).
 */
export function ioCallsOf(named) {
  const out = {};
  for (const { name, pid } of named) {
    try {
      const io = readFileSync(`/proc/${pid}/io`, 'utf8');
      const field = (key) => Number(io.match(new RegExp(`^${key}: (\\d+)`, 'm'))?.[1] ?? 0);
      out[name] = (out[name] ?? 0) + field('syscr') + field('syscw');
    } catch {
      /* gone, or not ours to read */
    }
  }
  return out;
}

export function commOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

/** Every process whose command name is `comm` (e.g. every PostgreSQL backend). */
export function pidsByComm(comm) {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => commOf(pid) === comm);
}

/**
 * Resident memory of one process from /proc/PID/status, in bytes: `rss` now and `peak` (VmHWM, the
 * most it was ever resident, kept by the kernel, so a short spike between two readings still counts).
 */
export function residentOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field) => Number(status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))?.[1] ?? NaN) * 1024;
    return { rss: kib('VmRSS'), peak: kib('VmHWM') };
  } catch {
    return null;
  }
}
