// Guidance losses on CLIP embeddings, and the total-variation prior on the image.
//
//   spherical (default, VQGAN+CLIP's spherical_dist_loss): 2·asin(‖x̂ − t̂‖ / 2)² = θ² / 2, θ the
//     angle between the embeddings (x̂, t̂ normalized)
//   cosine: 1 − ⟨x̂, t̂⟩
//
// A prompt's loss is its weight × the mean distance over the cutouts (VQGAN+CLIP's Prompt with
// stop = −inf); a negative weight pushes the image away from that prompt. The total is the sum.
import { ops, tidy, type Tensor } from '../tensor/index.js';

export type GuidanceLossKind = 'spherical' | 'cosine';

/** A target in CLIP space: a normalized embedding [D] and its weight. */
export interface Target {
  label: string;
  weight: number;
  embedding: Tensor;
}

/** 2·asin(‖x̂ − t̂‖/2)² per row of normalized x̂ [N, D] against a normalized t̂ [D] → [N]. */
export function sphericalDistance(xn: Tensor, tn: Tensor): Tensor {
  return tidy(() => {
    const half = ops.scale(ops.l2Norm(ops.sub(xn, tn)), 0.5);
    const a = ops.unary('asin', half);
    return ops.scale(ops.mul(a, a), 2);
  });
}

/** 1 − ⟨x̂, t̂⟩ per row → [N]. */
export function cosineDistance(xn: Tensor, tn: Tensor): Tensor {
  return tidy(() => ops.scale(ops.sumLastAxis(ops.mul(xn, tn)), -1, 1));
}

/**
 * Per-prompt losses weight·mean_n dist(embeds_n, target) for image embeddings [N, D] (not yet
 * normalized), and their sum.
 */
export function promptLosses(
  embeds: Tensor,
  targets: readonly Target[],
  kind: GuidanceLossKind = 'spherical',
): { total: Tensor; perPrompt: Tensor[] } {
  if (!targets.length) throw new Error('generate: no prompts');
  const [total, ...perPrompt] = tidy(() => {
    const xn = ops.normalize(embeds);
    const n = embeds.shape[0];
    const per = targets.map((t) => {
      const d = kind === 'cosine' ? cosineDistance(xn, t.embedding) : sphericalDistance(xn, t.embedding);
      return ops.scale(ops.sum(d), t.weight / n);
    });
    // with one prompt the total is a copy, so the total and the per-prompt tensors are distinct
    let sum = per.length === 1 ? ops.scale(per[0], 1) : ops.add(per[0], per[1]);
    for (let i = 2; i < per.length; i++) sum = ops.add(sum, per[i]);
    return [sum, ...per];
  });
  return { total, perPrompt };
}

/** Total variation: mean of squared differences of neighbouring pixels, down plus across. */
export function tvLoss(image: Tensor): Tensor {
  const [, , h, w] = image.shape;
  return tidy(() => {
    const dy = ops.sub(ops.slice(image, 2, 1, h), ops.slice(image, 2, 0, h - 1));
    const dx = ops.sub(ops.slice(image, 3, 1, w), ops.slice(image, 3, 0, w - 1));
    return ops.add(ops.mean(ops.mul(dy, dy)), ops.mean(ops.mul(dx, dx)));
  });
}
