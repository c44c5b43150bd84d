// Adam / AdamW on the GPU (the kernels' fused adam step, PyTorch's formulation) over a list of
// parameter tensors, with m and v kept per parameter, and learning-rate schedules. Guided
// generation and the training of the embedded models both use it.
import * as K from '@clipgpu/kernels';
import { Tensor } from './tensor/index.js';

/** 'constant', 'cosine' (from lr down to 0 over the run), or lr as a function of the 0-based step. */
export type LrSchedule = 'constant' | 'cosine' | ((step: number, totalSteps: number) => number);

/** The learning rate at 0-based `step` of `total`. */
export function learningRate(schedule: LrSchedule, lr: number, step: number, total: number): number {
  if (typeof schedule === 'function') {
    const v = schedule(step, total);
    if (!Number.isFinite(v) || v < 0)
      throw new Error(`generate: the schedule gave learning rate ${v} at step ${step} (must be finite and ≥ 0)`);
    return v;
  }
  if (schedule === 'cosine') return 0.5 * lr * (1 + Math.cos((Math.PI * step) / total));
  return lr;
}

/** Linear warm-up over `warmup` steps, then cosine decay to `floor`·lr at `total`. */
export function warmupCosine(step: number, total: number, lr: number, warmup: number, floor = 0.05): number {
  if (step < warmup) return (lr * (step + 1)) / warmup;
  const p = Math.min(1, (step - warmup) / Math.max(1, total - warmup));
  return lr * (floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * p)));
}

export function checkSchedule(schedule: unknown): LrSchedule {
  if (schedule === 'constant' || schedule === 'cosine' || typeof schedule === 'function') return schedule as LrSchedule;
  throw new Error(`generate: unknown schedule '${String(schedule)}' (constant, cosine, or a function of the step)`);
}

export interface AdamOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** decoupled weight decay (AdamW) */
  weightDecay?: number;
  /** which parameters decay (default: all); AdamW for transformers decays matrices only */
  decays?: (param: Tensor) => boolean;
}

export class Adam {
  private readonly m: Tensor[];
  private readonly v: Tensor[];
  private t = 0;

  constructor(
    readonly params: readonly Tensor[],
    readonly opts: AdamOptions = {},
  ) {
    for (const p of params) {
      if (!p.requiresGrad) throw new Error(`Adam: parameter ${p} does not require a gradient`);
      if (p.dtype !== 'f32') throw new Error(`Adam: parameter ${p} must be f32`);
    }
    this.m = params.map((p) => Tensor.zeros(p.shape, { runtime: p.rt }));
    this.v = params.map((p) => Tensor.zeros(p.shape, { runtime: p.rt }));
  }

  get stepCount(): number {
    return this.t;
  }

  /** One update of every parameter that has a gradient, in place. */
  step(lr: number): void {
    this.t++;
    const { decays, ...kernelOptions } = this.opts;
    // only the options given: adamDefaults() spreads them over its defaults
    const given = Object.fromEntries(Object.entries(kernelOptions).filter(([, x]) => x !== undefined));
    this.params.forEach((p, i) => {
      if (!p.grad) return;
      const decay = decays && !decays(p) ? { weightDecay: 0 } : {};
      K.adam(p.rt.gpu, p.buffer, p.grad.buffer, this.m[i].buffer, this.v[i].buffer, p.size, { ...given, ...decay, lr, step: this.t });
    });
  }

  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }

  dispose(): void {
    [...this.m, ...this.v].forEach((t) => t.dispose());
  }
}
