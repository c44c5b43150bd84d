// The one seeded PRNG of the project: test data here, and in the runtime everything random
// (initial weights, cutout boxes, augmentations, the shapes dataset), so a seed means the same
// numbers everywhere.

/** Uniform floats in [0, 1). */
export type Random = () => number;

/** mulberry32: a small, fast 32-bit PRNG (plenty for test data, crops and initial weights). */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n samples of Normal(0, std) (Box-Muller, both values of each pair), as f32. */
export function randn(n: number, random: Random, std = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - random()));
    const a = 2 * Math.PI * random();
    out[i] = std * r * Math.cos(a);
    if (i + 1 < n) out[i + 1] = std * r * Math.sin(a);
  }
  return out;
}

/** n samples of Uniform[lo, hi), as f32. */
export function randu(n: number, random: Random, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * random();
  return out;
}
