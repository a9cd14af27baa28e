/** A small deterministic PRNG (xorshift32), so a run is repeated by its seed. */
export class Random {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  below(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.below(xs.length)];
  }
}

const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0x0a, 0x0d, 0x00, 0x20, 0x22, 0x5c, 0x7b, 0x7d, 0x28, 0x29, 0x3a, 0x3b, 0x2c];

/**
 * One to four stacked mutations of `input`, libFuzzer-style: byte flips and replacements,
 * interesting bytes, inserted and erased ranges, copied ranges, dictionary tokens, and splices
 * with another corpus entry. Capped at `maxLength` bytes.
 */
export function mutate(input: Buffer, rnd: Random, dictionary: Buffer[], corpus: Buffer[], maxLength: number): Buffer {
  let b = Buffer.from(input);
  const rounds = 1 + rnd.below(4);
  for (let i = 0; i < rounds; i++) {
    const at = rnd.below(b.length + 1);
    switch (rnd.below(8)) {
      case 0:
        if (b.length) b[rnd.below(b.length)] ^= 1 << rnd.below(8);
        break;
      case 1:
        if (b.length) b[rnd.below(b.length)] = rnd.below(256);
        break;
      case 2:
        if (b.length) b[rnd.below(b.length)] = rnd.pick(INTERESTING);
        break;
      case 3: {
        const n = 1 + rnd.below(8);
        b = Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: n }, () => rnd.below(256))), b.subarray(at)]);
        break;
      }
      case 4: {
        const n = 1 + rnd.below(Math.max(1, b.length >> 2));
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + n)]);
        break;
      }
      case 5: {
        if (!b.length) break;
        const from = rnd.below(b.length);
        const n = 1 + rnd.below(Math.min(64, b.length - from));
        b = Buffer.concat([b.subarray(0, at), b.subarray(from, from + n), b.subarray(at)]);
        break;
      }
      case 6:
        if (dictionary.length) b = Buffer.concat([b.subarray(0, at), rnd.pick(dictionary), b.subarray(at)]);
        break;
      default: {
        if (!corpus.length) break;
        const other = rnd.pick(corpus);
        const from = rnd.below(other.length + 1);
        b = Buffer.concat([b.subarray(0, at), other.subarray(from)]);
      }
    }
  }
  return b.length > maxLength ? b.subarray(0, maxLength) : b;
}
