/**
 * Seeded randomness for everything that must replay identically: the synthetic market and the
 * backtester's `ctx.random`. sfc32 (a small, fast 128-bit-state generator) seeded through
 * splitmix32, so neighbouring seeds (1, 2, 3 …) still give unrelated streams.
 */
export type Random = () => number;

/** A generator of uniform numbers in [0, 1); the same seed always gives the same stream. */
export function createRandom(seed: number): Random {
  // Any number is a seed: ToUint32 keeps the low 32 bits, the high bits are folded in too.
  let mix = (seed >>> 0) ^ Math.imul(Math.floor(seed / 4294967296) >>> 0, 0x9e3779b9);
  const nextSeedWord = (): number => {
    mix = (mix + 0x9e3779b9) | 0;
    let z = mix;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) | 0;
  };
  let a = nextSeedWord();
  let b = nextSeedWord();
  let c = nextSeedWord();
  let d = nextSeedWord();
  const next: Random = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  // The first outputs still carry the seed's structure; discard them.
  for (let i = 0; i < 12; i++) next();
  return next;
}
