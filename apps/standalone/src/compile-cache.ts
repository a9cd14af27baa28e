import { enableCompileCache } from 'node:module';

// Imported by main.ts before any other module loads (after process-settings, which may re-execute
// the process): V8's compiled code of every module is
// kept on disk (Node's compile cache, in the OS temp directory unless NODE_COMPILE_CACHE says
// otherwise), so a restart skips compiling ~1,800 modules (ADR 0042).
enableCompileCache();
