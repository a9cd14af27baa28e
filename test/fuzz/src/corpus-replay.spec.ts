import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readCorpus } from './corpus.js';
import { execute, fuzz } from './fuzzer.js';
import { TARGETS } from './targets/index.js';

// CI's share of the fuzzing (ADR 0037): every committed corpus input again, as a regression test,
// then a short coverage-guided run from the corpus with a fixed seed (the long runs are by hand:
// `npm run fuzz`).
describe('fuzz targets: committed corpora and a short bounded run', () => {
  for (const target of TARGETS) {
    it(`${target.name}: every corpus input parses without a defect`, () => {
      const corpus = readCorpus(target.name);
      assert.ok(corpus.length >= 3, `a seed corpus is committed for ${target.name}`);
      for (const input of corpus) assert.equal(execute(target, input), undefined, `corpus input ${JSON.stringify(input.toString('latin1').slice(0, 80))}`);
    });

    it(`${target.name}: 500 coverage-guided mutants find nothing`, () => {
      const report = fuzz(target, readCorpus(target.name), { runs: 500, seconds: 15, seed: 11, maxLength: 2048 });
      assert.ok(report.features > 0, 'coverage of the parser is seen');
      assert.deepEqual(
        report.crashes.map((c) => c.error),
        [],
        report.crashes.map((c) => `input ${JSON.stringify(c.input.toString('latin1'))}`).join('\n'),
      );
    });
  }
});
