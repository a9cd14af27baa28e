/** What a ReadAhead reads, and how much of it may be held at once. */
export interface ReadAheadOptions<T> {
  /** items read or held ahead at once, the one being taken included */
  depth: number;
  /** bytes those items may hold together (the one being taken is the caller's and not counted) */
  maxBytes: number;
  /** bytes item i holds once read; null when it is not read ahead (too large: the caller streams it when its turn comes) */
  cost(i: number): number | null;
  /** reads item i; must give up (reject, destroy its stream) when `signal` aborts */
  read(i: number, signal: AbortSignal): Promise<T>;
}

interface Pending<T> {
  result: Promise<T> | null;
  bytes: number;
  abort: AbortController | null;
}

/**
 * Reads a client is about to ask for, started ahead of it in order: message bodies live in the
 * blob store, one round trip each, and a FETCH of 1,000 bodies or a POP3 client retrieving its
 * maildrop would otherwise wait for them one after the other. While the caller writes item i, the
 * reads of the next items are in flight; what is held is bounded by `depth` items and `maxBytes`,
 * whichever comes first. A read that fails early fails where it is taken, in its turn, never as an
 * unhandled rejection. Items passed over, and everything on close(), are aborted, so a client that
 * goes away leaves no reads or open blob streams behind.
 */
export class ReadAhead<T> {
  private readonly pending = new Map<number, Pending<T>>();
  private heldBytes = 0;
  private closed = false;
  /** the read last handed to the caller: close() stops it too if the caller still waits for it */
  private current: AbortController | null = null;

  constructor(private readonly opts: ReadAheadOptions<T>) {}

  /** The read of item `i` (null: not read ahead, read it yourself); items after it, up to `last`, started. */
  take(i: number, last: number): Promise<T> | null {
    if (this.closed) return null;
    // the window moves forward (or back, for a POP3 client): what falls outside it is not wanted
    for (const k of [...this.pending.keys()]) if (k < i || k >= i + this.opts.depth) this.drop(k, true);
    // item i is the caller's from now on, and no longer counts against the budget
    const taken = this.pending.get(i) ?? this.start(i);
    this.drop(i, false);
    this.fill(i + 1, Math.min(last, i + this.opts.depth - 1));
    this.current = taken.abort;
    return taken.result;
  }

  /** Aborts every read still pending, the last one taken included: the client went away, or the command ended. */
  close(): void {
    this.closed = true;
    for (const k of [...this.pending.keys()]) this.drop(k, true);
    this.current?.abort();
    this.current = null;
  }

  private fill(from: number, to: number): void {
    for (let k = from; k <= to; k++) {
      if (this.pending.has(k)) continue;
      const bytes = this.opts.cost(k);
      // stop rather than skip: the next item must never wait behind later ones
      if (bytes !== null && this.heldBytes + bytes > this.opts.maxBytes) return;
      const p = this.start(k, bytes);
      this.heldBytes += p.bytes;
      // kept even when not read ahead, so that its cost is not asked again while it stays in the window
      this.pending.set(k, p);
    }
  }

  private start(k: number, bytes = this.opts.cost(k)): Pending<T> {
    if (bytes === null) return { result: null, bytes: 0, abort: null };
    const abort = new AbortController();
    const result = this.opts.read(k, abort.signal);
    result.catch(() => undefined);
    return { result, bytes, abort };
  }

  private drop(k: number, cancel: boolean): void {
    const p = this.pending.get(k);
    if (!p) return;
    this.pending.delete(k);
    this.heldBytes -= p.bytes;
    if (cancel) p.abort?.abort();
  }
}
