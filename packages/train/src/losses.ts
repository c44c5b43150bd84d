// CLIP's contrastive loss (InfoNCE in both directions) with several positives per row: a caption
import { ops, Tensor, tidy } from '@clipgpu/clip-runtime';
// like "a red circle" is true of many images in a batch, so each row's target is the uniform
// distribution over the captions (images) that match it, and the loss is the cross-entropy
// −Σ target · logSoftmax(logits), averaged over the rows of both directions.

/** ln(100): CLIP clamps its learnable temperature there. */
export const MAX_LOGIT_SCALE = Math.log(100);

/** Row-normalized targets of a boolean match matrix [n, m] (row i: which columns are true of it). */
export function rowTargets(match: boolean[][]): Float32Array {
  const n = match.length;
  const m = match[0]?.length ?? 0;
  const out = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    const k = match[i]!.filter(Boolean).length;
    if (!k) throw new Error(`contrastive loss: row ${i} has no positive`);
    for (let j = 0; j < m; j++) if (match[i]![j]) out[i * m + j] = 1 / k;
  }
  return out;
}

/**
 * The symmetric contrastive loss of image and text features [B, D] (unnormalized) and the scalar
 * logit scale (a log temperature). match[i][j]: caption j is true of image i (the diagonal is).
 */
export function contrastiveLoss(image: Tensor, text: Tensor, logitScale: Tensor, match: boolean[][]): Tensor {
  const B = image.shape[0]!;
  const transposed = match[0]!.map((_, j) => match.map((row) => row[j]!));
  const tI = Tensor.from(rowTargets(match), [B, B], { runtime: image.rt });
  const tT = Tensor.from(rowTargets(transposed), [B, B], { runtime: image.rt });
  const loss = tidy(() => {
    const i = ops.normalize(image);
    const t = ops.normalize(text);
    const scale = ops.exp(ops.clamp(logitScale, 0, MAX_LOGIT_SCALE));
    const perImage = ops.mul(ops.matmul(i, t, { transB: true }), scale);
    const perText = ops.mul(ops.matmul(t, i, { transB: true }), scale);
    const ce = ops.add(ops.sum(ops.mul(ops.logSoftmax(perImage), tI)), ops.sum(ops.mul(ops.logSoftmax(perText), tT)));
    return ops.scale(ce, -1 / (2 * B));
  });
  tI.dispose();
  tT.dispose();
  return loss;
}

/** Σ (x̂ − x)² per image, averaged over the batch (the first axis). */
export function squaredErrorPerImage(recon: Tensor, target: Tensor): Tensor {
  return tidy(() => {
    const d = ops.sub(recon, target);
    return ops.scale(ops.sum(ops.mul(d, d)), 1 / recon.shape[0]!);
  });
}

/**
 * Σ over pixels and channels of the cross-entropy between targets t ∈ [0, 1] and sigmoid(logits),
 * per image: softplus(x) − t·x, as a log-softmax over (0, x). Its gradient in x is σ(x) − t, which
 * does not vanish where the sigmoid saturates, as the squared error's (σ − t)·σ′ does: a decoder
 * that has painted a saturated background still hears the pixels where a shape should be.
 */
export function sigmoidCrossEntropyPerImage(logits: Tensor, target: Tensor): Tensor {
  return tidy(() => {
    const x = ops.reshape(logits, [logits.size, 1]);
    const t = ops.reshape(target, [target.size, 1]);
    const logProbs = ops.logSoftmax(ops.concat([ops.full(x, 0), x], 1)); // [log(1 − σ), log σ]
    const targets = ops.concat([ops.scale(t, -1, 1), t], 1);
    return ops.scale(ops.sum(ops.mul(logProbs, targets)), -1 / logits.shape[0]!);
  });
}

/** The VAE's negative ELBO per image: Σ (x̂ − x)² / (2σ²) + β · KL(N(μ, e^logvar) ‖ N(0, 1)). */
export function vaeLoss(
  recon: Tensor,
  target: Tensor,
  mu: Tensor,
  logvar: Tensor,
  opts: { sigma: number; beta: number },
): { total: Tensor; recon: Tensor; kl: Tensor } {
  const B = recon.shape[0]!;
  return tidy(() => {
    const rec = ops.scale(squaredErrorPerImage(recon, target), 1 / (2 * opts.sigma ** 2));
    // KL = ½ Σ (μ² + e^logvar − 1 − logvar)
    const terms = ops.sub(ops.add(ops.mul(mu, mu), ops.exp(logvar)), ops.scale(logvar, 1, 1));
    const kl = ops.scale(ops.sum(terms), 0.5 / B);
    return { total: ops.add(rec, ops.scale(kl, opts.beta)), recon: rec, kl };
  });
}
