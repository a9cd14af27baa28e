import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const settingsOf = (env: NodeJS.ProcessEnv) =>
  JSON.parse(
    execFileSync(process.execPath, ['-e', `require(${JSON.stringify(join(__dirname, 'malloc-settings.js'))}); console.log(JSON.stringify({ pid: process.pid, arenas: process.env.MALLOC_ARENA_MAX, trim: process.env.MALLOC_TRIM_THRESHOLD_ }))`], { env, encoding: 'utf8' }),
  ) as { pid: number; arenas?: string; trim?: string };

describe('glibc malloc settings of the embedded process (ADR 0070)', () => {
  it('re-executes the process with one trimmed arena when the environment names none', () => {
    const { PATH } = process.env;
    assert.deepEqual({ ...settingsOf({ PATH }), pid: 0 }, { pid: 0, arenas: '1', trim: '1048576' });
  });

  it("keeps the operator's MALLOC_ARENA_MAX and does not re-execute", () => {
    const { PATH } = process.env;
    const got = settingsOf({ PATH, MALLOC_ARENA_MAX: '4' });
    assert.equal(got.arenas, '4');
    assert.equal(got.trim, undefined);
  });
});
