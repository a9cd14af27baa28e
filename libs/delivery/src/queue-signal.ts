/** Wakes idle workers of this replica when it enqueues, so local mail does not wait for the next poll. */
export class QueueSignal {
  private waiters: Array<() => void> = [];
  /** a notify that found nobody waiting: the next wait returns at once, so it is not lost */
  private pending = false;

  /**
   * New work for one worker: waking every idle worker for every message would send them all to
   * claim at once, and all but one would come back empty (measured: most of the claim queries
   * under load). A worker that finds work keeps claiming until the queue is empty.
   */
  notify(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.pending = true;
  }

  /** Shutdown: every waiting worker must see that it is time to stop. */
  notifyAll(): void {
    const all = this.waiters;
    this.waiters = [];
    for (const w of all) w();
  }

  /** Resolves on a notify that picks this waiter, or after `ms`, whichever is first. */
  wait(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        const i = this.waiters.indexOf(done);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.push(done);
    });
  }
}
