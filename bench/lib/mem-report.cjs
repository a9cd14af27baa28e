// A preload for the embedded process (bench/embedded-start.mjs --breakdown): on SIGUSR2 writes what
// V8 and Node say they hold (JS heap committed/used, external and ArrayBuffers, the WASM memories
// PGlite grew) to $MEM_REPORT_OUT, so the caller can set them against /proc/PID/smaps.
'use strict';
const { writeFileSync } = require('node:fs');
const v8 = require('node:v8');

const out = process.env.MEM_REPORT_OUT;
const memories = new Set();
// every WebAssembly.Memory PGlite's Emscripten module makes passes through the constructor or instantiate
const Memory = WebAssembly.Memory;
WebAssembly.Memory = new Proxy(Memory, {
  construct(target, args) {
    const m = Reflect.construct(target, args);
    memories.add(new WeakRef(m));
    return m;
  },
});
// a memory the module defines itself is found among the exports of what instantiate returns
const instantiate = WebAssembly.instantiate;
WebAssembly.instantiate = async function (...args) {
  const r = await instantiate.apply(this, args);
  const inst = r.instance ?? r;
  for (const e of Object.values(inst.exports ?? {})) if (e instanceof Memory) memories.add(new WeakRef(e));
  return r;
};
const mib = (b) => Math.round((b / 1048576) * 10) / 10;
process.on('SIGUSR2', () => {
  const u = process.memoryUsage();
  const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, { size: mib(s.space_size), used: mib(s.space_used_size) }]));
  const wasm = [...memories].map((r) => r.deref()).filter(Boolean).map((m) => mib(m.buffer.byteLength));
  const code = v8.getHeapCodeStatistics();
  writeFileSync(
    out,
    JSON.stringify({ rss: mib(u.rss), heapTotal: mib(u.heapTotal), heapUsed: mib(u.heapUsed), external: mib(u.external), arrayBuffers: mib(u.arrayBuffers), wasmMemories: wasm, codeAndMetadata: mib(code.code_and_metadata_size + code.bytecode_and_metadata_size), spaces }),
  );
});
