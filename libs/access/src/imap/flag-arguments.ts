import { bad, ReplyError } from './reply.js';

const SYSTEM_FLAGS = new Map(['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft'].map((f) => [f.toLowerCase(), f]));

/**
 * Flags a client asks to set (STORE, APPEND): system flags in their canonical case, keywords as
 * given; any other backslash flag (\Recent included) is refused.
 */
export function checkFlags(flags: string[]): string[] {
  return flags.map((f) => {
    if (!f.startsWith('\\')) return f;
    const known = SYSTEM_FLAGS.get(f.toLowerCase());
    if (!known) throw new ReplyError(bad(`Flag ${f.slice(0, 40)} cannot be set`));
    return known;
  });
}
