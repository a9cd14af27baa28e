import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * A port that was free a moment ago, for child processes that must be told their port up front.
 *
 * Why not `listen(0)`: the kernel hands out port 0 from the ephemeral range, the same range it takes
 * the local port of every outgoing connection from. Between our close() and the child's listen(), any
 * connection on the machine (a service's PostgreSQL pool, the bench's 2,000 IMAP clients) may take the
 * port, and the child dies with EADDRINUSE. We pick below (or above) the ephemeral range instead,
 * where nothing is assigned automatically, and never hand out the same port twice in one process.
 */
const handedOut = new Set<number>();

export async function freePort(): Promise<number> {
  const [lo, hi] = candidateRange();
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = lo + Math.floor(Math.random() * (hi - lo));
    if (handedOut.has(port)) continue;
    // checked again after the await: a concurrent call may have taken it meanwhile
    if ((await canListen(port)) && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port found in ${lo}-${hi}`);
}

/** The widest run of ports outside the kernel's ephemeral range (and above the well-known ones). */
export function candidateRange(ephemeral = ephemeralRange()): [number, number] {
  const [eLo, eHi] = ephemeral;
  const below: [number, number] = [10_000, eLo];
  const above: [number, number] = [eHi + 1, 65_536];
  const width = (r: [number, number]) => r[1] - r[0];
  const best = width(below) >= width(above) ? below : above;
  // a kernel configured to hand out (nearly) every port leaves no quiet range: fall back to all of them
  return width(best) >= 1_000 ? best : [10_000, 65_536];
}

function ephemeralRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(lo) && Number.isInteger(hi)) return [lo, hi];
  } catch {
    // not Linux: use the IANA dynamic range, which is what BSD and macOS default to
  }
  return [49_152, 65_535];
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}
