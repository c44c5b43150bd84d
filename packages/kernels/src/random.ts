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
