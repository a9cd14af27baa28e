import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** test/fuzz/corpus/<target>/: committed inputs, each named by its content's hash */
export const CORPUS_ROOT = join(__dirname, '..', 'corpus');
/** test/fuzz/crashes/<target>/: what a run found (not committed: a finding becomes a fix and a regression test) */
export const CRASH_ROOT = join(__dirname, '..', 'crashes');

export function readCorpus(target: string, root = CORPUS_ROOT): Buffer[] {
  const dir = join(root, target);
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return [];
  }
  return names.map((n) => readFileSync(join(dir, n)));
}

export function writeInput(target: string, data: Buffer, root = CORPUS_ROOT): string {
  const dir = join(root, target);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, createHash('sha1').update(data).digest('hex').slice(0, 16));
  writeFileSync(file, data);
  return file;
}
