/**
 * Imported first by main.ts. Two kinds of setting are read only when a process starts: glibc's malloc
 * settings (from the environment) and V8's flags (from the command line). Both are given by replacing
 * this process with itself (`process.execve`: the same PID, nothing left running) before anything
 * else is loaded, once: the replaced process finds them in place.
 *
 * - malloc (ADR 0070): one arena, trimmed above 1 MiB, with larger blocks in their own mappings, so
 *   what V8's compile threads malloc and free is given back. A MALLOC_ARENA_MAX already in the
 *   environment is the operator's, and then none of these is set; other libcs ignore them.
 * - `--liftoff-only` (ADR 0077): PGlite's WASM runs on V8's baseline compiler only. Otherwise V8 tiers
 *   up PostgreSQL's SQL parser (one 105 KB function) at PGlite's open, and that one TurboFan compile
 *   holds ~600 MB of compiler memory at once (the start's peak RSS) for 6–8 s of CPU; measured, the
 *   embedded ingest's CPU per message is no worse without any tier-up. EMBEDDED_WASM_TIER_UP=1 lets V8
 *   tier up as it would (for a machine where memory is plenty).
 * - `--max-semi-space-size=4` (ADR 0077): the young generation's two halves at 4 MiB each. Node's
 *   default lets them grow to 32 MiB during the start's allocation burst, and V8 keeps them: 64 MiB
 *   committed for ~3 MiB live once idle, the largest single part of the idle RSS after the heap's old space.
 * Flags the operator gave node come after these on the new command line, so theirs win.
 */
const MALLOC_SETTINGS = { MALLOC_ARENA_MAX: '1', MALLOC_TRIM_THRESHOLD_: '1048576', MALLOC_MMAP_THRESHOLD_: '65536' };
const V8_FLAGS = [...(process.env.EMBEDDED_WASM_TIER_UP === '1' ? [] : ['--liftoff-only']), '--max-semi-space-size=4'];

const missingFlags = V8_FLAGS.filter((flag) => !process.execArgv.includes(flag));
const mallocUnset = process.env.MALLOC_ARENA_MAX === undefined;
if (process.execve && (missingFlags.length || (mallocUnset && process.platform === 'linux'))) {
  process.execve(
    process.execPath,
    [process.execPath, ...missingFlags, ...process.execArgv, ...process.argv.slice(1)],
    mallocUnset ? { ...process.env, ...MALLOC_SETTINGS } : process.env,
  );
}
