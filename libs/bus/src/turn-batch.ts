/**
 * Holds sends until the current turn of the event loop ends, then runs them all, in order, in one
 * go. The NATS client writes whatever it is given within one microtask as one socket write, but a
 * service answers its callers from many socket callbacks per turn (a database reply here, a bus
 * message there), and each would otherwise cost its own write: a syscall, loopback TCP work on
 * both ends, a wake-up of nats-server. Held to the end of the turn (setImmediate runs after the
 * turn's I/O callbacks), they leave in one write. smtp-in gathers its SMTP replies the same way.
 */
export class TurnBatch {
  private queue: Array<() => void> = [];

  /** `send` runs at the end of this turn; a throw from it goes to `onError`, never to the loop. */
  add(send: () => void, onError: (err: unknown) => void): void {
    this.queue.push(() => {
      try {
        send();
      } catch (err) {
        onError(err);
      }
    });
    if (this.queue.length === 1) setImmediate(() => this.flush());
  }

  /** Runs what is held now (also at the end of the turn; closing the connection calls it first). */
  flush(): void {
    const queue = this.queue;
    this.queue = [];
    for (const send of queue) send();
  }
}
