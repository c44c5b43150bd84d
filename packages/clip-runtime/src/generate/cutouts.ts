// Cutouts: each step, `cutn` random square crops of the generated image, resized to CLIP's input
// in one resize (crop boxes), augmented, and normalized as CLIP expects; CLIP sees them as one batch.
//
// Crop sizes follow VQGAN+CLIP's MakeCutouts: size = ⌊rand^cutPow · (max − min) + min⌋ with max the
// image's shorter side, positions uniform over integer offsets. Boxes are [x, y, w, h] in pixels
// and use the resize kernel's convention (packages/kernels/src/image/resample_coeffs.ts): output o
// samples the image at x + (o + 0.5)·w/S − 0.5, clamped to the image (border replicate).
import type { ResizeMode } from '@clipgpu/kernels';
import { CLIP_MEAN, CLIP_STD } from '../model/preprocess.js';
import { untracked } from '../tensor/autograd.js';
import { ops, Tensor, tidy, type Runtime } from '../tensor/index.js';
import { randn, type Random } from './random.js';

export interface AugmentOptions {
  /** mirror a random subset of the cutouts left–right (each with probability ½; default true) */
  flip?: boolean;
  /** shift each box by up to ±translate × its size (default 0.05; may reach past the border, which replicates) */
  translate?: number;
  /** per cutout and channel: gain 1 ± color, offset ± color (default 0.05) */
  color?: number;
  /** add Normal(0, σ²) noise with σ ~ U(0, noise) per cutout (default 0.1, as VQGAN+CLIP) */
  noise?: number;
}

export const DEFAULT_AUGMENT: Readonly<Required<AugmentOptions>> = { flip: true, translate: 0.05, color: 0.05, noise: 0.1 };

export interface CutoutOptions {
  /** side of the cutouts: the CLIP model's image_size */
  cutSize: number;
  /** cutouts per step (ignored when `boxes` are given) */
  cutn: number;
  /** crop sizes are rand^cutPow between minSize and the image's shorter side (default 1: uniform) */
  cutPow?: number;
  /** smallest crop side in pixels (default half of min(image side, cutSize)) */
  minSize?: number;
  /** augmentations (default DEFAULT_AUGMENT); false for none */
  augment?: AugmentOptions | false;
  /** resampling of the crops (default bilinear) */
  mode?: ResizeMode;
  /** PIL-style antialiasing; 'auto' (default) turns it on when any crop is larger than cutSize (shrunk) */
  antialias?: boolean | 'auto';
}

/** The default smallest crop side for an H × W image and CLIP input cutSize. */
export function defaultMinCutSize(h: number, w: number, cutSize: number): number {
  return Math.max(1, Math.round(Math.min(h, w, cutSize) / 2));
}

/** Resolved augmentation settings (all zero / false when disabled). */
export function resolveAugment(a: AugmentOptions | false | undefined): Required<AugmentOptions> {
  if (a === false) return { flip: false, translate: 0, color: 0, noise: 0 };
  const r = { ...DEFAULT_AUGMENT, ...(a ?? {}) };
  for (const k of ['translate', 'color', 'noise'] as const)
    if (!Number.isFinite(r[k]) || r[k] < 0) throw new Error(`generate: augment.${k} must be a finite number ≥ 0, got ${r[k]}`);
  return r;
}

/** VQGAN+CLIP's crop sampling: n boxes [x, y, size, size] (integers) inside an H × W image. */
export function sampleBoxes(h: number, w: number, n: number, cutPow: number, minSize: number, random: Random): number[] {
  const maxSize = Math.min(h, w);
  if (!Number.isInteger(minSize) || minSize < 1 || minSize > maxSize)
    throw new Error(
      `generate: the smallest cutout (minCutSize ${minSize}) must be an integer between 1 and the image's shorter side (${maxSize} px)`,
    );
  const boxes: number[] = [];
  for (let i = 0; i < n; i++) {
    const size = Math.min(maxSize, Math.floor(random() ** cutPow * (maxSize - minSize) + minSize));
    const x = Math.floor(random() * (w - size + 1));
    const y = Math.floor(random() * (h - size + 1));
    boxes.push(x, y, size, size);
  }
  return boxes;
}

/**
 * Makes cutouts of one image; holds the constant tensors (flip matrices, CLIP's mean and std) for
 * its runtime and cut size until disposed.
 */
export class Cutouts {
  /** identity and left–right reversal [1, S, S]: a flip is x · J, exact (products by 0 and 1) */
  private readonly flipMats?: { id: Tensor; rev: Tensor };
  private readonly scale: Tensor;
  private readonly shift: Tensor;
  readonly augment: Required<AugmentOptions>;

  constructor(
    readonly rt: Runtime,
    readonly opts: CutoutOptions,
  ) {
    const { cutSize, cutn } = opts;
    if (!Number.isInteger(cutSize) || cutSize < 1) throw new Error(`generate: cutSize must be an integer ≥ 1, got ${cutSize}`);
    if (!Number.isInteger(cutn) || cutn < 1) throw new Error(`generate: cutn must be an integer ≥ 1, got ${cutn}`);
    const cutPow = opts.cutPow ?? 1;
    if (!Number.isFinite(cutPow) || cutPow <= 0) throw new Error(`generate: cutPow must be a finite number > 0, got ${cutPow}`);
    this.augment = resolveAugment(opts.augment);
    // constants outlive any tidy() scope the constructor is called in
    [this.scale, this.shift, this.flipMats] = untracked(() => {
      const scale = Tensor.from(
        CLIP_STD.map((s) => 1 / s),
        [3, 1, 1],
        { runtime: rt },
      );
      const shift = Tensor.from(
        CLIP_MEAN.map((m, c) => -m / CLIP_STD[c]),
        [3, 1, 1],
        { runtime: rt },
      );
      if (!this.augment.flip) return [scale, shift, undefined] as const;
      const id = new Float32Array(cutSize * cutSize);
      const rev = new Float32Array(cutSize * cutSize);
      for (let i = 0; i < cutSize; i++) {
        id[i * cutSize + i] = 1;
        rev[i * cutSize + (cutSize - 1 - i)] = 1;
      }
      return [
        scale,
        shift,
        { id: Tensor.from(id, [1, cutSize, cutSize], { runtime: rt }), rev: Tensor.from(rev, [1, cutSize, cutSize], { runtime: rt }) },
      ] as const;
    });
  }

  /** Boxes for one step: sampled, or the given ones; then jittered when `translate` > 0. */
  boxes(h: number, w: number, random: Random, given?: readonly number[]): number[] {
    const o = this.opts;
    let boxes: number[];
    if (given) {
      if (given.length === 0 || given.length % 4 !== 0)
        throw new Error(`generate: boxes must hold 4 numbers (x, y, w, h) per cutout, got ${given.length}`);
      for (let i = 0; i < given.length; i += 4)
        if (!given.slice(i, i + 4).every(Number.isFinite) || !(given[i + 2] > 0 && given[i + 3] > 0))
          throw new Error(`generate: box ${i / 4} [${given.slice(i, i + 4).join(', ')}] must be finite with w, h > 0`);
      boxes = [...given];
    } else boxes = sampleBoxes(h, w, o.cutn, o.cutPow ?? 1, o.minSize ?? defaultMinCutSize(h, w, o.cutSize), random);
    const t = this.augment.translate;
    if (t > 0)
      for (let i = 0; i < boxes.length; i += 4) {
        boxes[i] += (2 * random() - 1) * t * boxes[i + 2];
        boxes[i + 1] += (2 * random() - 1) * t * boxes[i + 3];
      }
    return boxes;
  }

  /**
   * image [1, 3, H, W] → cutouts [N, 3, S, S] (not yet CLIP-normalized), differentiable in the
   * image. All randomness comes from `random`; `boxes` fixes the crops (translation still applies).
   */
  make(image: Tensor, random: Random, givenBoxes?: readonly number[]): { cutouts: Tensor; boxes: number[] } {
    if (image.shape.length !== 4 || image.shape[0] !== 1 || image.shape[1] !== 3)
      throw new Error(`generate: the generator must render [1, 3, H, W], got [${image.shape.join(', ')}]`);
    const [, , h, w] = image.shape;
    const S = this.opts.cutSize;
    const boxes = this.boxes(h, w, random, givenBoxes);
    const n = boxes.length / 4;
    const aug = this.augment;
    const flips = aug.flip ? Array.from({ length: n }, () => random() < 0.5) : [];
    const gains = aug.color > 0 ? Array.from({ length: n * 3 }, () => 1 + aug.color * (2 * random() - 1)) : [];
    const offsets = aug.color > 0 ? Array.from({ length: n * 3 }, () => aug.color * (2 * random() - 1)) : [];
    let noise: Float32Array | undefined;
    if (aug.noise > 0) {
      const sigmas = Array.from({ length: n }, () => aug.noise * random());
      noise = randn(n * 3 * S * S, random);
      const per = 3 * S * S;
      for (let i = 0; i < noise.length; i++) noise[i] *= sigmas[Math.floor(i / per)];
    }
    const mode = this.opts.mode ?? 'bilinear';
    const aa = this.opts.antialias ?? 'auto';
    const antialias = aa === 'auto' ? boxes.some((v, i) => i % 4 >= 2 && v > S) : aa;
    const cutouts = tidy(() => {
      let x = ops.resize(image, S, S, { boxes, mode, antialias });
      if (this.flipMats) {
        // run even when no cutout flips this step: the same work (and buffer sizes) every step
        const { id, rev } = this.flipMats;
        const mats = ops.concat(
          flips.map((f) => (f ? rev : id)),
          0,
        ); // [N, S, S]
        x = ops.reshape(ops.matmul(ops.reshape(x, [n, 3 * S, S]), mats), [n, 3, S, S]);
      }
      if (gains.length) {
        x = ops.mul(x, Tensor.from(gains, [n, 3, 1, 1], { runtime: this.rt }));
        x = ops.add(x, Tensor.from(offsets, [n, 3, 1, 1], { runtime: this.rt }));
      }
      if (noise) x = ops.add(x, Tensor.from(noise, [n, 3, S, S], { runtime: this.rt }));
      return x;
    });
    return { cutouts, boxes };
  }

  /** (x − mean) / std per channel, CLIP's normalization. */
  normalize(x: Tensor): Tensor {
    return tidy(() => ops.add(ops.mul(x, this.scale), this.shift));
  }

  dispose(): void {
    this.scale.dispose();
    this.shift.dispose();
    this.flipMats?.id.dispose();
    this.flipMats?.rev.dispose();
  }
}
