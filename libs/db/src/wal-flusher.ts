import { open, type FileHandle } from 'node:fs/promises';

/** WAL segment files kept open for their next fdatasync; older ones are closed */
const OPEN_SEGMENTS = 4;

/**
 * Makes PGlite's commits durable (ADR 0062). PGlite runs PostgreSQL with `fsync=off` and its
 * Node filesystem has no fsync at all: a commit's WAL reaches the kernel's page cache, and a power
 * loss or kernel crash could forget a message the platform had already answered 250 for. Its
 * files are written through our hook (`written`); after a statement or transaction that wrote
 * WAL, the caller awaits `flush()`, which fdatasyncs every segment written since, off the event
 * loop (libuv's threads), as a group: while one flush runs, the next gathers every commit made
 * meanwhile, so N concurrent commits cost one or two fdatasyncs, and PGlite's one thread goes on
 * with other statements while the disk works.
 */
export class WalFlusher {
  private readonly dirty = new Set<string>();
  private readonly handles = new Map<string, FileHandle>();
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  /** fdatasync rounds so far (the count per message is what the bench reads) */
  rounds = 0;

  constructor(private readonly walDir: string) {}

  /** WAL writes so far: a statement that saw it move may have written, and flushes */
  writes = 0;

  /** a write into the WAL segment at this path */
  written(path: string): void {
    this.writes++;
    this.dirty.add(path);
  }

  /** Resolves once every WAL write made before the call is on disk; rejects if the disk said no. */
  flush(): Promise<void> {
    if (!this.dirty.size) return this.running ?? Promise.resolve();
    if (!this.running) return this.start();
    // the running round may have started before our write: the next one covers it
    this.queued ??= this.running.then(
      () => this.startQueued(),
      () => this.startQueued(),
    );
    return this.queued;
  }

  private startQueued(): Promise<void> {
    this.queued = null;
    return this.start();
  }

  private start(): Promise<void> {
    const paths = [...this.dirty];
    this.dirty.clear();
    const round = this.sync(paths).finally(() => {
      if (this.running === round) this.running = null;
    });
    this.running = round;
    return round;
  }

  private async sync(paths: string[]): Promise<void> {
    this.rounds++;
    const fresh = paths.filter((p) => !this.handles.has(p));
    await Promise.all(
      paths.map(async (p) => {
        const h = await this.handle(p);
        // a segment a checkpoint removed meanwhile holds nothing the database still needs
        if (h) await h.datasync();
      }),
    );
    // a segment file the flush had not seen may be new: its name in the directory must last too
    if (fresh.length) await this.syncDir();
  }

  private async handle(path: string): Promise<FileHandle | null> {
    let h = this.handles.get(path);
    if (h) {
      this.handles.delete(path);
      this.handles.set(path, h);
      return h;
    }
    try {
      h = await open(path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    this.handles.set(path, h);
    while (this.handles.size > OPEN_SEGMENTS) {
      const [oldest, fh] = this.handles.entries().next().value as [string, FileHandle];
      this.handles.delete(oldest);
      // a round may still be syncing it: close after that
      void Promise.resolve(this.running).finally(() => fh.close().catch(() => undefined));
    }
    return h;
  }

  private async syncDir(): Promise<void> {
    const dir = await open(this.walDir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  /** waits for the round in flight and closes the segment files */
  async close(): Promise<void> {
    await Promise.resolve(this.queued ?? this.running).catch(() => undefined);
    await Promise.all([...this.handles.values()].map((h) => h.close().catch(() => undefined)));
    this.handles.clear();
  }
}
