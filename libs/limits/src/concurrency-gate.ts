/** Thrown at once when the gate's queue is full: the caller answers a temporary failure. */
export class GateFullError extends Error {
  /** `queue`: the gate is full for everyone; `key`: this key holds its share already */
  constructor(
    what: string,
    readonly full: 'queue' | 'key' = 'queue',
  ) {
    super(full === 'key' ? `${what}: too many from one client` : `${what}: too many waiting`);
    this.name = 'GateFullError';
  }
}

/**
 * At most `concurrency` tasks run at once and at most `queue` wait; past that a task is refused at
 * once instead of queueing work nobody will wait for (a login flood must not make every login,
 * and what shares the CPU with it, wait for minutes). With `perKey`, one key (a client) holds at
 * most that many places, running or waiting, so one flooding client cannot fill the queue for
 * everyone else.
 */
export class ConcurrencyGate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly held = new Map<string, number>();

  constructor(private readonly options: { concurrency: number; queue: number; name: string; perKey?: number }) {}

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(task: () => Promise<T>, key?: string): Promise<T> {
    const perKey = this.options.perKey;
    if (key !== undefined && perKey !== undefined) {
      const n = this.held.get(key) ?? 0;
      if (n >= perKey) throw new GateFullError(this.options.name, 'key');
      this.held.set(key, n + 1);
      try {
        return await this.enter(task);
      } finally {
        const left = (this.held.get(key) ?? 1) - 1;
        if (left > 0) this.held.set(key, left);
        else this.held.delete(key);
      }
    }
    return this.enter(task);
  }

  private async enter<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.options.concurrency) {
      if (this.waiting.length >= this.options.queue) throw new GateFullError(this.options.name);
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      // the slot passes straight to the next waiter, so `running` never dips below the load
      if (next) next();
      else this.running--;
    }
  }
}
