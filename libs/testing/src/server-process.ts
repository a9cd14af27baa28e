import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/** Sends `signal` to a server process of a test and waits for it to exit (nothing if it already did). */
export async function haltProcess(proc: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = once(proc, 'exit');
  proc.kill(signal);
  await exited;
}

/** Polls `ready` until it answers true; fails early if `proc` exits, or after `timeoutMs`. */
export async function waitForServer(what: string, proc: ChildProcess, ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (proc.exitCode !== null) throw new Error(`${what} exited with ${proc.exitCode}`);
    if (Date.now() > deadline) throw new Error(`${what} not ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
