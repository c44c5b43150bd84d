// Launchers for optimizers. Napkin math for adam: ~14 FLOPs and 28 bytes moved per parameter
// (read param, grad, m, v; write param, m, v): bandwidth-bound.
import type { BufferArg, Gpu } from '../gpu.js';
import { grid, KernelError, Program } from '../program.js';
import adamSource from './adam.wgsl';

const programs = { adam: new Program('adam', adamSource) };

export interface AdamHyper {
  lr: number;
  /** default 0.9 */
  beta1?: number;
  /** default 0.999 */
  beta2?: number;
  /** default 1e-8 */
  eps?: number;
  /** default 0 */
  weightDecay?: number;
  /** 1-based step number, for the bias corrections */
  step: number;
  /** weight decay decoupled from the gradient (AdamW, the default) or added to it as L2 (Adam) */
  decoupled?: boolean;
}

/** Resolved hyperparameters with their defaults (shared with the reference). */
export function adamDefaults(h: AdamHyper): Required<AdamHyper> {
  return { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: true, ...h };
}

function checkHyper(h: Required<AdamHyper>): void {
  const bad = (name: string, why: string) =>
    new KernelError('adam', `'${name}' ${why}, got ${(h as unknown as Record<string, number>)[name]}`);
  if (!Number.isFinite(h.lr) || h.lr < 0) throw bad('lr', 'must be a finite number ≥ 0');
  if (!(h.beta1 >= 0 && h.beta1 < 1)) throw bad('beta1', 'must be in [0, 1)');
  if (!(h.beta2 >= 0 && h.beta2 < 1)) throw bad('beta2', 'must be in [0, 1)');
  if (!(h.eps > 0) || !Number.isFinite(h.eps)) throw bad('eps', 'must be a finite number > 0');
  if (!Number.isFinite(h.weightDecay) || h.weightDecay < 0) throw bad('weightDecay', 'must be a finite number ≥ 0');
  if (!Number.isInteger(h.step) || h.step < 1) throw bad('step', 'must be an integer ≥ 1 (steps count from 1)');
}

/**
 * One Adam / AdamW step over n parameters, updating param, m and v in place (m and v start at
 * zero). With weightDecay > 0, decoupled !== false is AdamW (p ← p·(1 − lr·wd)), decoupled: false
 * is Adam's L2 term (g ← g + wd·p). Matches torch.optim.AdamW / Adam (amsgrad off).
 */
export function adam(gpu: Gpu, param: BufferArg, grad: BufferArg, m: BufferArg, v: BufferArg, n: number, hyper: AdamHyper): void {
  if (!Number.isInteger(n) || n < 0) throw new KernelError('adam', `'n' must be an integer ≥ 0, got ${n}`);
  const h = adamDefaults(hyper);
  checkHyper(h);
  const bc1 = 1 - h.beta1 ** h.step;
  const bc2 = 1 - h.beta2 ** h.step;
  gpu.run(programs.adam, {
    buffers: { param, grad, m, v },
    uniforms: {
      n,
      beta1: h.beta1,
      beta2: h.beta2,
      one_minus_beta1: 1 - h.beta1,
      one_minus_beta2: 1 - h.beta2,
      eps: h.eps,
      weight_decay: h.weightDecay,
      decay: h.decoupled ? 1 - h.lr * h.weightDecay : 1,
      step_size: h.lr / bc1,
      inv_sqrt_bc2: 1 / Math.sqrt(bc2),
      decoupled: h.decoupled ? 1 : 0,
    },
    workgroups: grid(n, 256),
    minBytes: { param: n * 4, grad: n * 4, m: n * 4, v: n * 4 },
  });
}
