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
  // State in a typed array: 32-bit words in closure variables would be boxed on every draw.
  const state = new Int32Array([nextSeedWord(), nextSeedWord(), nextSeedWord(), nextSeedWord()]);
  const next: Random = () => {
    const a = state[0]!;
    const b = state[1]!;
    const c = state[2]!;
    const d = state[3]!;
    const t = (((a + b) | 0) + d) | 0;
    state[3] = d + 1;
    state[0] = b ^ (b >>> 9);
    state[1] = c + (c << 3);
    state[2] = (((c << 21) | (c >>> 11)) + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  // The first outputs still carry the seed's structure; discard them.
  for (let i = 0; i < 12; i++) next();
  return next;
}
