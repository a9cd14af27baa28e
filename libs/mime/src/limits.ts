/** Bounds that keep a hostile message from costing unbounded memory or stack. */
export interface IndexOptions {
  /** nesting of multipart and message/rfc822 levels; deeper content is one opaque part (default 50) */
  maxDepth?: number;
  /** body parts in the whole tree; later boundaries are read as content (default 10000) */
  maxParts?: number;
  /** header bytes kept for parsing per part; the rest is skipped, offsets stay exact (default 256 KiB) */
  maxHeaderBytes?: number;
  /** decoded text kept for search over all text parts (default 256 KiB) */
  maxTextChars?: number;
}

export type Limits = Required<IndexOptions>;

export function resolveLimits(opts: IndexOptions = {}): Limits {
  return {
    maxDepth: opts.maxDepth ?? 50,
    maxParts: opts.maxParts ?? 10_000,
    maxHeaderBytes: opts.maxHeaderBytes ?? 256 * 1024,
    maxTextChars: opts.maxTextChars ?? 256 * 1024,
  };
}

/** RFC 2046 caps boundaries at 70 characters; allow some slack, refuse absurd ones. */
export const MAX_BOUNDARY_LENGTH = 200;
/** A longer line cannot be a boundary line (boundary, "--" twice and some transport padding). */
export const MAX_BOUNDARY_LINE = 1024;
