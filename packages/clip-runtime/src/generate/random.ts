// Seeded randomness for guided generation. Everything random (generator initialisation, cutout
// boxes, augmentations, noise) is drawn here on the CPU, so one seed gives bit-identical runs on
// the same device (the GPU kernels are deterministic).

import { mulberry32, type Random } from '@clipgpu/kernels';

export { mulberry32, type Random };

/** An independent stream for `purpose` under `seed` (so adding draws to one stream leaves the others alone). */
export function stream(seed: number, purpose: string): Random {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < purpose.length; i++) h = Math.imul(h ^ purpose.charCodeAt(i), 0x01000193) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  return mulberry32(h ^ (h >>> 13));
}

/** n samples of Normal(0, std) (Box-Muller), as f32. */
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
export function randu(n: number, random: Random, lo: number, hi: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * random();
  return out;
}
