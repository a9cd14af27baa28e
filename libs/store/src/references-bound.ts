/** a References header longer than this is kept and sent as its start and its end */
const MAX_REFERENCES_CHARS = 8192;
const REFERENCES_HEAD_CHARS = 1024;

/** The start (the thread's root) and the end (the nearest ancestors) of a huge References header. */
export function boundReferences(refs: string | null | undefined): string | null {
  if (!refs) return null;
  if (refs.length <= MAX_REFERENCES_CHARS) return refs;
  return `${refs.slice(0, REFERENCES_HEAD_CHARS)} ${refs.slice(refs.length - (MAX_REFERENCES_CHARS - REFERENCES_HEAD_CHARS))}`;
}
