import type { QueryOptions } from './database.port.js';
import type { SchemaMigrations } from './pglite-template.js';

/**
 * What crosses the MessagePort between the process's main thread and the thread that runs PGlite
 * (ADR 0082). Everything is structured-cloned: SQL text, parameters and rows (a Buffer arrives as a
 * Uint8Array, which is what PGlite gives for bytea anyway), errors as their message and own fields.
 */
export interface PgliteThreadStart {
  dataDir?: string;
  migrations?: SchemaMigrations;
}

export type PgliteThreadRequest =
  | { id: number; op: 'query'; sql: string; params: unknown[]; opts: QueryOptions; tx?: number }
  /** opens a transaction; its statements carry the id of this request as `tx` */
  | { id: number; op: 'begin' }
  /** ends transaction `tx`: COMMIT, or ROLLBACK when the caller's function threw */
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'dump' }
  | { id: number; op: 'close' };

export type PgliteThreadReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: ClonedError };

/** an Error's message and own fields (PostgreSQL's code, detail, constraint, …): Node's clone of an Error keeps only its message and stack */
export interface ClonedError {
  message: string;
  stack?: string;
  fields: Record<string, unknown>;
}

export function cloneError(err: unknown): ClonedError {
  if (!(err instanceof Error)) return { message: String(err), fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(err)) if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) fields[k] = v;
  return { message: err.message, stack: err.stack, fields };
}

export function errorOf(e: ClonedError): Error {
  const err = Object.assign(new Error(e.message), e.fields);
  // the thread's stack says where PGlite failed; the caller's own is added below it by whoever awaits
  if (e.stack) err.stack = `${e.stack}\n    --- in the PGlite thread, asked from:\n${new Error().stack?.split('\n').slice(1).join('\n') ?? ''}`;
  return err;
}
