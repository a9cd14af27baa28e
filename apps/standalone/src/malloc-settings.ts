/**
 * Imported first by main.ts. glibc reads its malloc settings from the environment once, when the
 * process starts, so they are given by replacing this process with itself (`process.execve`: the
 * same PID, nothing left running) before anything else is loaded. What they buy (ADR 0070): V8's
 * compile threads malloc the ~600 MB zone of PGlite's parser compile in per-thread arenas, which
 * glibc keeps once it is freed; one arena, trimmed above 1 MiB, with larger blocks in their own
 * mappings, gives most of it back. A setting already in the environment (MALLOC_ARENA_MAX) is the
 * operator's and is kept; musl and other libcs ignore these variables.
 */
const MALLOC_SETTINGS = { MALLOC_ARENA_MAX: '1', MALLOC_TRIM_THRESHOLD_: '1048576', MALLOC_MMAP_THRESHOLD_: '65536' };

if (process.platform === 'linux' && process.env.MALLOC_ARENA_MAX === undefined && process.execve) {
  process.execve(process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], { ...process.env, ...MALLOC_SETTINGS });
}
