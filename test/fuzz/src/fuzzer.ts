import { BlockCoverage } from './coverage.js';
import { mutate, Random } from './mutator.js';
import type { FuzzTarget } from './target.js';

export interface FuzzOptions {
  /** stop after this many executions */
  runs: number;
  /** or after this long */
  seconds: number;
  seed: number;
  maxLength: number;
}

export interface Finding {
  input: Buffer;
  error: string;
}

export interface FuzzReport {
  executions: number;
  features: number;
  /** inputs that reached new coverage (to add to the corpus) */
  added: Buffer[];
  crashes: Finding[];
}

const BATCH = 32;

const hasFresh = (features: Set<string>, seen: Set<string>) => [...features].some((f) => !seen.has(f));

/** The code under test: our libraries' compiled files (not node_modules, not the fuzzer). */
const underTest = (url: string) => url.includes('/libs/') && !url.includes('/node_modules/');

/** Runs `data` through the target; a throw is a finding, with its stack's first lines. */
export function execute(target: FuzzTarget, data: Buffer): string | undefined {
  try {
    target.run(data);
    return undefined;
  } catch (err) {
    return err instanceof Error ? (err.stack ?? err.message).split('\n').slice(0, 4).join('\n') : String(err);
  }
}

/**
 * Coverage-guided fuzzing in the style of libFuzzer: the corpus is replayed to learn what it
 * covers, then mutants of corpus entries are run, and a mutant that reaches a block (or a
 * hit-count bucket of one) never seen before joins the corpus. Throws are collected, not fatal.
 */
export function fuzz(target: FuzzTarget, seeds: Buffer[], o: FuzzOptions): FuzzReport {
  const coverage = new BlockCoverage(underTest);
  const rnd = new Random(o.seed);
  const dictionary = target.dictionary.map((t) => Buffer.from(t, 'latin1'));
  const corpus = seeds.length ? [...seeds] : [Buffer.alloc(0)];
  const seen = new Set<string>();
  const added: Buffer[] = [];
  const crashes: Finding[] = [];
  const crashKeys = new Set<string>();
  let executions = 0;
  const record = (data: Buffer, error: string | undefined) => {
    executions++;
    if (error === undefined) return;
    const key = error.split('\n').slice(0, 2).join('\n');
    if (!crashKeys.has(key)) {
      crashKeys.add(key);
      crashes.push({ input: data, error });
    }
  };
  /** takes the coverage of what ran since the last take; true if it holds a feature never seen */
  const learn = (): boolean => {
    let fresh = false;
    for (const f of coverage.take()) {
      if (!seen.has(f)) {
        seen.add(f);
        fresh = true;
      }
    }
    return fresh;
  };
  try {
    coverage.take();
    for (const s of corpus) {
      record(s, execute(target, s));
      learn();
    }
    const until = Date.now() + o.seconds * 1000;
    while (executions < o.runs && Date.now() < until) {
      // a coverage snapshot costs ~5 ms, a parser run ~0.2: mutants run in batches, and only a
      // batch that reached something new is run again one by one to find which mutants did
      const batch = Array.from({ length: BATCH }, () => mutate(rnd.pick(corpus), rnd, dictionary, corpus, o.maxLength));
      const errors = batch.map((m) => execute(target, m));
      batch.forEach((m, i) => record(m, errors[i]));
      if (!hasFresh(coverage.take(), seen)) continue;
      for (let i = 0; i < batch.length; i++) {
        if (errors[i] !== undefined) continue;
        execute(target, batch[i]);
        if (learn()) {
          corpus.push(batch[i]);
          added.push(batch[i]);
        }
      }
    }
  } finally {
    coverage.close();
  }
  return { executions, features: seen.size, added, crashes };
}
