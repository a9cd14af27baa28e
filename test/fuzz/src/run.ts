// npm run fuzz -- [--target=imap-command] [--seconds=60] [--runs=N] [--seed=N] [--max-length=4096]
// Coverage-guided fuzzing of the parsers (ADR 0037): new coverage is written to the committed
// corpus (test/fuzz/corpus/<target>/), findings to test/fuzz/crashes/<target>/; exits 1 on a finding.
// `replay` runs each corpus input once (what CI does, with a short fuzz run: corpus-replay.spec.ts).
import { CRASH_ROOT, readCorpus, writeInput } from './corpus.js';
import { execute, fuzz } from './fuzzer.js';
import { TARGETS } from './targets/index.js';

const args = new Map(process.argv.slice(2).filter((a) => a.startsWith('--')).map((a) => a.slice(2).split('=') as [string, string]));
const mode = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 'fuzz';
const targets = TARGETS.filter((t) => !args.get('target') || t.name === args.get('target'));
if (!targets.length) {
  console.error(`unknown target; known: ${TARGETS.map((t) => t.name).join(', ')}`);
  process.exit(2);
}

let failed = false;
for (const target of targets) {
  const corpus = readCorpus(target.name);
  if (mode === 'replay') {
    const errors = corpus.map((c) => execute(target, c)).filter((e) => e !== undefined);
    console.log(`${target.name}: ${corpus.length} corpus inputs replayed, ${errors.length} failing`);
    for (const e of errors) console.log(e);
    failed ||= errors.length > 0;
    continue;
  }
  const report = fuzz(target, corpus, {
    runs: Number(args.get('runs') ?? Number.MAX_SAFE_INTEGER),
    seconds: Number(args.get('seconds') ?? 60),
    seed: Number(args.get('seed') ?? Date.now() % 2 ** 31),
    maxLength: Number(args.get('max-length') ?? 4096),
  });
  for (const input of report.added) writeInput(target.name, input);
  for (const c of report.crashes) console.log(`FINDING in ${target.name} (saved to ${writeInput(target.name, c.input, CRASH_ROOT)}):\n${c.error}\n`);
  console.log(`${target.name}: ${report.executions} executions, ${report.features} coverage features, ${report.added.length} new corpus inputs, ${report.crashes.length} findings`);
  failed ||= report.crashes.length > 0;
}
process.exit(failed ? 1 : 0);
