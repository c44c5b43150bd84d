// Batches of the shapes dataset as the models want them: CLIP-normalized pixels [B, 3, S, S]
import { CLIP_MEAN, CLIP_STD } from '@clipgpu/clip-runtime';
// (as CLIPImageProcessor makes from 8-bit RGB at the model's size) or [0, 1] pixels for the VAE.

/** RGB bytes of n images (interleaved, size·size·3 each) → CHW floats, CLIP-normalized or in [0, 1]. */
export function toChw(images: readonly Uint8Array[], size: number, normalize: boolean): Float32Array {
  const plane = size * size;
  const out = new Float32Array(images.length * 3 * plane);
  images.forEach((rgb, b) => {
    for (let c = 0; c < 3; c++) {
      const base = (b * 3 + c) * plane;
      const [m, s] = normalize ? [CLIP_MEAN[c]!, CLIP_STD[c]!] : [0, 1];
      for (let i = 0; i < plane; i++) out[base + i] = (rgb[3 * i + c]! / 255 - m) / s;
    }
  });
  return out;
}
