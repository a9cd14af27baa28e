import { connect, type Socket } from 'node:net';
import { matchLine, parseTranscript, substitute, TranscriptError, type TranscriptStep } from './transcript.js';

/** A connection that hands out the server's lines (CRLF removed) one at a time. */
class LineConnection {
  private buffer = '';
  private readonly lines: string[] = [];
  private waiter: (() => void) | null = null;
  private ended = false;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      let at: number;
      while ((at = this.buffer.indexOf('\r\n')) >= 0) {
        this.lines.push(this.buffer.slice(0, at));
        this.buffer = this.buffer.slice(at + 2);
      }
      this.wake();
    });
    socket.on('close', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static open(host: string, port: number): Promise<LineConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port }, () => resolve(new LineConnection(socket)));
      socket.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  async next(timeoutMs: number): Promise<string | null> {
    const deadline = Date.now() + timeoutMs;
    while (!this.lines.length) {
      if (this.ended) return null;
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.lines.shift() ?? null;
  }

  write(text: string): void {
    this.socket.write(text);
  }

  close(): void {
    this.socket.destroy();
  }
}

export interface TranscriptTarget {
  host: string;
  /** session N connects to ports[(N - 1) % ports.length]: several replicas serve one script */
  ports: number[];
}

export interface RunOptions {
  /** values for `${name}` in the script (user, password...) */
  vars: Record<string, string>;
  /** how long one expected line may take */
  lineTimeoutMs?: number;
}

/**
 * Plays a transcript against a server over real sockets: session N connects on its first line (its
 * greeting is read and must be `* OK`), `C:` lines are sent as they are (CRLF added), `S:` lines must
 * come next, in order, and `S~:` groups in any order. Fails with the exchange so far.
 */
export async function runTranscript(script: string, target: TranscriptTarget, opts: RunOptions): Promise<void> {
  const steps = parseTranscript(script);
  const vars = { ...opts.vars };
  const timeout = opts.lineTimeoutMs ?? 10_000;
  const sessions = new Map<number, LineConnection>();
  const log: string[] = [];
  // typed on the name, so that TypeScript knows nothing runs after a call (assertion-style narrowing)
  const fail: (step: TranscriptStep, message: string) => never = (step, message) => {
    throw new TranscriptError(`${message} (script line ${step.line})\n--- exchange so far (last 40 lines) ---\n${log.slice(-40).join('\n')}`);
  };
  const session = async (step: TranscriptStep): Promise<LineConnection> => {
    let c = sessions.get(step.session);
    if (c) return c;
    const port = target.ports[(step.session - 1) % target.ports.length];
    if (port === undefined) fail(step, 'no port to connect to');
    c = await LineConnection.open(target.host, port);
    sessions.set(step.session, c);
    const greeting = await c.next(timeout);
    log.push(`S${step.session}: ${greeting}`);
    if (!greeting?.startsWith('* OK')) fail(step, `session ${step.session}: no greeting`);
    return c;
  };
  try {
    for (const step of steps) {
      const c = await session(step);
      if (step.kind === 'send') {
        const text = substitute(step.text, vars);
        log.push(`C${step.session}: ${text}`);
        c.write(text + '\r\n');
      } else if (step.kind === 'literal') {
        log.push(...step.data.split('\r\n').slice(0, -1).map((l) => `L${step.session}: ${l}`));
        c.write(step.data);
      } else {
        const open = [...step.patterns];
        while (open.length) {
          const line = await c.next(timeout);
          if (line === null) fail(step, `session ${step.session}: expected ${JSON.stringify(open[0])}, got nothing (timeout or closed)`);
          log.push(`S${step.session}: ${line}`);
          const candidates = step.ordered ? [0] : open.map((_, i) => i);
          const hit = candidates.map((i) => [i, matchLine(open[i] ?? '', line, vars)] as const).find(([, m]) => m !== null);
          if (!hit) fail(step, `session ${step.session}: expected ${step.ordered ? JSON.stringify(open[0]) : `one of ${JSON.stringify(open)}`}, got ${JSON.stringify(line)}`);
          Object.assign(vars, hit[1]);
          open.splice(hit[0], 1);
        }
      }
    }
  } finally {
    for (const c of sessions.values()) c.close();
  }
}
