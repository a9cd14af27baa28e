import { Session } from 'node:inspector';

interface Range {
  startOffset: number;
  endOffset: number;
  count: number;
}
interface ScriptCoverage {
  scriptId: string;
  url: string;
  functions: Array<{ ranges: Range[] }>;
}

/** AFL's hit-count buckets: a loop that runs 5 times and one that runs 50 are different paths. */
function bucket(count: number): number {
  if (count <= 3) return count;
  if (count <= 7) return 4;
  if (count <= 15) return 8;
  if (count <= 31) return 16;
  if (count <= 127) return 32;
  return 128;
}

/**
 * Block coverage of the code under test from V8 itself (the inspector's precise coverage, the data
 * `c8` and `node --experimental-test-coverage` read), in this process: no native fuzzer build
 * needed (ADR 0037). Each `take()` answers the features of the last run: (script, block, hit-count
 * bucket) for every block of the functions of `scripts` it called, and resets the counters.
 */
export class BlockCoverage {
  private readonly session = new Session();

  constructor(private readonly scripts: (url: string) => boolean) {
    this.session.connect();
    this.post('Profiler.enable');
    this.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  }

  take(): Set<string> {
    const { result } = this.post('Profiler.takePreciseCoverage') as { result: ScriptCoverage[] };
    const features = new Set<string>();
    for (const script of result) {
      if (!this.scripts(script.url)) continue;
      for (const fn of script.functions) {
        // V8 lists a nested block only where its count differs from the block around it (a branch
        // not taken shows as count 0), so a block with its count, zero included, is the feature
        if (fn.ranges[0]?.count) for (const r of fn.ranges) features.add(`${script.url}:${r.startOffset}:${r.endOffset}:${bucket(r.count)}`);
      }
    }
    return features;
  }

  close(): void {
    this.post('Profiler.stopPreciseCoverage');
    this.session.disconnect();
  }

  /** an in-process session answers synchronously */
  private post(method: string, params?: object): unknown {
    let out: unknown;
    let error: Error | null = null;
    this.session.post(method, params ?? {}, (err, res) => {
      error = err;
      out = res;
    });
    if (error) throw error;
    return out;
  }
}
