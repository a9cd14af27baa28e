import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

interface Settings {
  pid: number;
  arenas?: string;
  trim?: string;
  flags: string[];
}
/** a node process that loads process-settings.js first, as main.js does, and says what it then runs with */
const settingsOf = (env: NodeJS.ProcessEnv) =>
  JSON.parse(
    execFileSync(
      process.execPath,
      ['-e', `require(${JSON.stringify(join(__dirname, 'process-settings.js'))}); console.log(JSON.stringify({ pid: process.pid, arenas: process.env.MALLOC_ARENA_MAX, trim: process.env.MALLOC_TRIM_THRESHOLD_, flags: process.execArgv.filter((a) => a.startsWith('--')) }))`],
      { env, encoding: 'utf8' },
    ),
  ) as Settings;

describe('settings the embedded process reads at its start (ADR 0070, ADR 0077)', () => {
  const { PATH } = process.env;

  it('re-executes the process with one trimmed arena PGlite kept on Liftoff and a small young generation when nothing is set', () => {
    assert.deepEqual({ ...settingsOf({ PATH }), pid: 0 }, { pid: 0, arenas: '1', trim: '1048576', flags: ['--liftoff-only', '--max-semi-space-size=4'] });
  });

  it("keeps the operator's MALLOC_ARENA_MAX, and still adds the V8 flags", () => {
    const got = settingsOf({ PATH, MALLOC_ARENA_MAX: '4' });
    assert.equal(got.arenas, '4');
    assert.equal(got.trim, undefined);
    assert.deepEqual(got.flags, ['--liftoff-only', '--max-semi-space-size=4']);
  });

  it('lets V8 tier up WASM when EMBEDDED_WASM_TIER_UP=1', () => {
    const got = settingsOf({ PATH, EMBEDDED_WASM_TIER_UP: '1' });
    assert.deepEqual([got.arenas, got.flags], ['1', ['--max-semi-space-size=4']]);
  });
});
