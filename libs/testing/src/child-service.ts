import { spawn, type ChildProcess } from 'node:child_process';
import { appMain } from './app-paths.js';

/** One service as its own OS process, its output kept for the failure report. */
export class ChildService {
  private readonly output: string[] = [];
  private exited?: Promise<number | null>;
  readonly proc: ChildProcess;

  constructor(
    readonly name: string,
    readonly env: NodeJS.ProcessEnv,
    readonly httpPort: number,
  ) {
    this.proc = spawn(process.execPath, [appMain(name)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => {
      this.output.push(chunk.toString());
      if (this.output.length > 200) this.output.shift();
    };
    this.proc.stdout?.on('data', keep);
    this.proc.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => this.proc.once('exit', (code) => resolve(code)));
  }

  get log(): string {
    return this.output.join('');
  }

  /**
   * Polls /readyz until the service and its dependencies answer. 150 s, not 60: on a 2-core machine
   * at load 25+ the 14-process start of the distributed platform was seen to need more than 60 s
   * (slowness, not a fault; a service that exits fails at once).
   */
  async waitReady(timeoutMs = 150_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`${this.name} exited with ${this.proc.exitCode}:\n${this.log}`);
      try {
        const res = await fetch(`http://127.0.0.1:${this.httpPort}/readyz`);
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${this.name} not ready after ${timeoutMs} ms:\n${this.log}`);
  }

  /** The signal (SIGKILL: a crash), and its exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
    return (await this.exited) ?? null;
  }

  /** SIGTERM (graceful drain), SIGKILL if it does not exit in time. */
  async stop(graceMs = 15_000): Promise<number | null> {
    if (this.proc.exitCode !== null) return this.proc.exitCode;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code ?? null;
  }
}
