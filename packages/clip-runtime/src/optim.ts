// Adam on the GPU (the kernels' fused adam step, PyTorch's formulation) over a list of parameter
// tensors, with m and v kept per parameter, and learning-rate schedules.
import * as K from '@clipgpu/kernels';
import { Tensor } from '../tensor/index.js';

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

export function checkSchedule(schedule: unknown): LrSchedule {
  if (schedule === 'constant' || schedule === 'cosine' || typeof schedule === 'function') return schedule as LrSchedule;
  throw new Error(`generate: unknown schedule '${String(schedule)}' (constant, cosine, or a function of the step)`);
}

export interface AdamOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
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
    this.params.forEach((p, i) => {
      if (!p.grad) return;
      // only the options given: adamDefaults() spreads them over its defaults
      const given = Object.fromEntries(Object.entries(this.opts).filter(([, x]) => x !== undefined));
      K.adam(p.rt.gpu, p.buffer, p.grad.buffer, this.m[i].buffer, this.v[i].buffer, p.size, { ...given, lr, step: this.t });
    });
  }

  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }

  dispose(): void {
    [...this.m, ...this.v].forEach((t) => t.dispose());
  }
}
