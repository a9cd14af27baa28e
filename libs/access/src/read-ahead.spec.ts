import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { ReadAhead, type ReadAheadOptions } from './read-ahead.js';

/** Reads that the test settles by hand, and a record of what was started, in flight and aborted. */
class ManualReads {
  readonly started: number[] = [];
  readonly aborted: number[] = [];
  readonly inFlight = new Set<number>();
  peak = 0;
  private readonly settle = new Map<number, { resolve(v: string): void; reject(e: Error): void }>();

  read = (i: number, signal: AbortSignal): Promise<string> => {
    this.started.push(i);
    this.inFlight.add(i);
    this.peak = Math.max(this.peak, this.inFlight.size);
    return new Promise<string>((resolve, reject) => {
      this.settle.set(i, { resolve, reject });
      signal.addEventListener('abort', () => {
        this.aborted.push(i);
        this.inFlight.delete(i);
        reject(signal.reason as Error);
      });
    });
  };

  resolve(i: number): void {
    this.inFlight.delete(i);
    this.settle.get(i)!.resolve(`item ${i}`);
  }

  reject(i: number, err: Error): void {
    this.inFlight.delete(i);
    this.settle.get(i)!.reject(err);
  }
}

function ahead(reads: ManualReads, opts: Partial<ReadAheadOptions<string>> = {}): ReadAhead<string> {
  return new ReadAhead<string>({ depth: 4, maxBytes: 1000, cost: () => 10, read: reads.read, ...opts });
}

/** fails the test on any unhandled rejection while `fn` runs (and a little after) */
async function noUnhandledRejections(fn: () => Promise<void>): Promise<void> {
  const seen: unknown[] = [];
  const onUnhandled = (err: unknown) => seen.push(err);
  process.on('unhandledRejection', onUnhandled);
  try {
    await fn();
    await new Promise((r) => setTimeout(r, 10));
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
  assert.deepEqual(seen, []);
}

describe('ReadAhead', () => {
  it('hands every item over in order, whatever order the reads finish in', async () => {
    const reads = new ManualReads();
    const ra = ahead(reads);
    const got: string[] = [];
    for (let i = 0; i < 10; i++) {
      const p = ra.take(i, 9)!;
      // settle the started reads newest first: completion order must not matter
      for (const k of [...reads.inFlight].sort((a, b) => b - a)) reads.resolve(k);
      got.push(await p);
    }
    assert.deepEqual(got, Array.from({ length: 10 }, (_, i) => `item ${i}`));
    assert.deepEqual(reads.started, Array.from({ length: 10 }, (_, i) => i), 'each item read once, in order');
  });

  it('keeps at most depth reads in flight, the next ones started while the current one is taken', async () => {
    const reads = new ManualReads();
    const ra = ahead(reads, { depth: 4 });
    const first = ra.take(0, 99)!;
    assert.deepEqual(reads.started, [0, 1, 2, 3], 'the next three are already asked for');
    reads.resolve(0);
    await first;
    // nothing else finished: moving on to item 1 may start only item 4
    const second = ra.take(1, 99)!;
    assert.deepEqual(reads.started, [0, 1, 2, 3, 4]);
    assert.equal(reads.inFlight.size, 4);
    for (let i = 1; i < 100; i++) {
      const p = i === 1 ? second : ra.take(i, 99)!;
      reads.resolve(i);
      await p;
    }
    assert.equal(reads.peak, 4);
    assert.equal(reads.started.length, 100);
  });

  it('stops reading ahead at the byte budget, and reads the current item even when it alone is over it', async () => {
    const reads = new ManualReads();
    const sizes = [5000, 300, 300, 300, 300, 300];
    const ra = ahead(reads, { depth: 6, maxBytes: 700, cost: (i) => sizes[i]! });
    const p0 = ra.take(0, 5)!;
    // item 0 (over budget on its own) plus 1 and 2 (600 bytes); 3 would make 900
    assert.deepEqual(reads.started, [0, 1, 2]);
    reads.resolve(0);
    await p0;
    const p1 = ra.take(1, 5)!;
    // item 1 is the caller's now: 2 and 3 held (600 bytes)
    assert.deepEqual(reads.started, [0, 1, 2, 3]);
    reads.resolve(1);
    assert.equal(await p1, 'item 1');
  });

  it('leaves items that are not to be read ahead to the caller, and cancels those passed over', async () => {
    const reads = new ManualReads();
    const ra = ahead(reads, { depth: 3, cost: (i) => (i % 2 ? null : 10) });
    const p0 = ra.take(0, 9)!;
    assert.deepEqual(reads.started, [0, 2]);
    reads.resolve(0);
    assert.equal(await p0, 'item 0');
    assert.equal(ra.take(1, 9), null, 'odd items are read by the caller');
    const p4 = ra.take(4, 9)!;
    assert.deepEqual(reads.aborted, [2], 'item 2 was skipped: its read is cancelled');
    reads.resolve(4);
    assert.equal(await p4, 'item 4');
  });

  it('cancels what is ahead of an item a client goes back to (POP3 RETR in any order)', async () => {
    const reads = new ManualReads();
    const ra = ahead(reads, { depth: 3 });
    ra.take(10, 20);
    assert.deepEqual(reads.started, [10, 11, 12]);
    ra.take(2, 20);
    assert.deepEqual(reads.aborted, [11, 12]);
    assert.deepEqual(reads.started, [10, 11, 12, 2, 3, 4]);
    ra.close();
  });

  it('fails a read that failed early where it is taken, in its turn, never as an unhandled rejection', async () => {
    await noUnhandledRejections(async () => {
      const reads = new ManualReads();
      const ra = ahead(reads, { depth: 4 });
      const p0 = ra.take(0, 5)!;
      reads.reject(2, new Error('blob gone'));
      await tick();
      reads.resolve(0);
      assert.equal(await p0, 'item 0');
      const p1 = ra.take(1, 5)!;
      reads.resolve(1);
      assert.equal(await p1, 'item 1', 'the item before the failed one is still handed over');
      await assert.rejects(ra.take(2, 5)!, /blob gone/);
      // a read that failed is not remembered: asking again reads again
      const again = ra.take(2, 5)!;
      reads.resolve(2);
      assert.equal(await again, 'item 2');
      ra.close();
    });
  });

  it('close() aborts every pending read (the client went away) and reads nothing more', async () => {
    await noUnhandledRejections(async () => {
      const reads = new ManualReads();
      const ra = ahead(reads, { depth: 5 });
      const current = ra.take(0, 9)!;
      ra.close();
      assert.deepEqual(reads.aborted.sort(), [0, 1, 2, 3, 4], 'the reads ahead are aborted, and the one the caller waits for');
      assert.equal(reads.inFlight.size, 0);
      await assert.rejects(current, { name: 'AbortError' });
      assert.equal(ra.take(1, 9), null);
      assert.equal(reads.started.length, 5);
    });
  });
});
