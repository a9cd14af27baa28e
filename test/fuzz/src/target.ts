/**
 * One fuzz target: `run` feeds the bytes to a parser the way the wire would and throws only on a
 * real defect (an exception the parser does not declare, a broken invariant). Answering "bad
 * input" is the parser's job and no finding.
 */
export interface FuzzTarget {
  name: string;
  /** tokens the mutator splices in: keywords and delimiters of the grammar */
  dictionary: string[];
  run(data: Buffer): void;
}

/** An invariant the parser broke. */
export class InvariantError extends Error {}

export function invariant(cond: unknown, what: string): asserts cond {
  if (!cond) throw new InvariantError(what);
}
