// Seeded randomness for guided generation. Everything random (generator initialisation, cutout
// boxes, augmentations, noise) is drawn here on the CPU, so one seed gives bit-identical runs on
// the same device (the GPU kernels are deterministic).

import { mulberry32, type Random } from '@clipgpu/kernels';

export { mulberry32, randn, randu, type Random } from '@clipgpu/kernels';

/** An independent stream for `purpose` under `seed` (so adding draws to one stream leaves the others alone). */
export function stream(seed: number, purpose: string): Random {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < purpose.length; i++) h = Math.imul(h ^ purpose.charCodeAt(i), 0x01000193) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  return mulberry32(h ^ (h >>> 13));
}
