// Trainable parameters for models built from a Weights map: random initialisation by name, an
// AdamW optimizer on the GPU (the kernels' adam step, decoupled weight decay on matrices only),
// gradient-norm clipping, and export to safetensors.
import * as K from '@clipgpu/kernels';
import type { KernelTime } from '@clipgpu/kernels';
import { randn, type Random, f32ToF16Bits, writeSafetensors, ops, Tensor, tidy, type Runtime } from '@clipgpu/clip-runtime';

export type Init = { kind: 'normal'; std: number } | { kind: 'const'; value: number };

/** A named set of trainable f32 tensors. */
export class ParamSet {
  readonly tensors = new Map<string, Tensor>();
  constructor(readonly rt: Runtime) {}

  add(name: string, shape: number[], init: Init, random: Random): Tensor {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = init.kind === 'normal' ? randn(n, random, init.std) : new Float32Array(n).fill(init.value);
    return this.set(name, data, shape);
  }

  set(name: string, data: Float32Array, shape: number[]): Tensor {
    this.tensors.get(name)?.dispose();
    const t = Tensor.from(data, shape, { requiresGrad: true, runtime: this.rt });
    this.tensors.set(name, t);
    return t;
  }

  get count(): number {
    let n = 0;
    for (const t of this.tensors.values()) n += t.size;
    return n;
  }

  /** Host copies of every tensor, by name. */
  async read(): Promise<Map<string, { shape: number[]; data: Float32Array }>> {
    const out = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [name, t] of this.tensors) out.set(name, { shape: [...t.shape], data: (await t.toArray()) as Float32Array });
    return out;
  }

  /** safetensors bytes (F32, or F16 for every tensor with more than `f16Above` elements). */
  async toSafetensors(opts: { f16Above?: number; metadata?: Record<string, string> } = {}): Promise<Uint8Array> {
    const out: Parameters<typeof writeSafetensors>[0] = {};
    for (const [name, { shape, data }] of await this.read()) {
      const half = opts.f16Above !== undefined && data.length > opts.f16Above;
      out[name] = half ? { dtype: 'F16', shape, data: f32ToF16Bits(data) } : { dtype: 'F32', shape, data };
    }
    return writeSafetensors(out, opts.metadata ?? { format: 'pt' });
  }

  dispose(): void {
    for (const t of this.tensors.values()) t.dispose();
    this.tensors.clear();
  }
}

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  weightDecay?: number;
  /** which parameters decay (default: those with ≥ 2 axes: matrices and convolutions) */
  decays?: (name: string, t: Tensor) => boolean;
  /** clip the global gradient norm to this (default: no clipping) */
  maxGradNorm?: number;
}

/** AdamW over a ParamSet, with m and v on the GPU. */
export class AdamW {
  private readonly m = new Map<string, Tensor>();
  private readonly v = new Map<string, Tensor>();
  private t = 0;
  constructor(
    readonly params: ParamSet,
    readonly opts: AdamWOptions = {},
  ) {
    for (const [name, p] of params.tensors) {
      this.m.set(name, Tensor.zeros(p.shape, { runtime: p.rt }));
      this.v.set(name, Tensor.zeros(p.shape, { runtime: p.rt }));
    }
  }

  /** The global L2 norm of the gradients (one readback). */
  async gradNorm(): Promise<number> {
    const grads = [...this.params.tensors.values()].flatMap((p) => (p.grad ? [p.grad] : []));
    const total = tidy(() => {
      const parts = grads.map((g) => ops.reshape(ops.sum(ops.mul(g, g)), [1]));
      return ops.sum(parts.length === 1 ? parts[0]! : ops.concat(parts, 0));
    });
    const n = Math.sqrt(await total.item());
    total.dispose();
    return n;
  }

  /** One step at learning rate lr; gradients are then dropped. Returns the gradient norm when clipping. */
  async step(lr: number): Promise<number | undefined> {
    this.t++;
    let scale = 1;
    let norm: number | undefined;
    if (this.opts.maxGradNorm) {
      norm = await this.gradNorm();
      if (Number.isFinite(norm) && norm > this.opts.maxGradNorm) scale = this.opts.maxGradNorm / norm;
    }
    const decays = this.opts.decays ?? ((_: string, t: Tensor) => t.shape.length >= 2);
    for (const [name, p] of this.params.tensors) {
      if (!p.grad) continue;
      let g = p.grad;
      if (scale !== 1) {
        g = Tensor.empty(p.shape, 'f32', p.rt);
        K.unary(p.rt.gpu, 'scale', p.grad.buffer, g.buffer, p.size, { alpha: scale, beta: 0 });
      }
      K.adam(p.rt.gpu, p.buffer, g.buffer, this.m.get(name)!.buffer, this.v.get(name)!.buffer, p.size, {
        lr,
        step: this.t,
        beta1: this.opts.beta1 ?? 0.9,
        beta2: this.opts.beta2 ?? 0.98,
        weightDecay: decays(name, p) ? (this.opts.weightDecay ?? 0.1) : 0,
      });
      if (g !== p.grad) g.dispose();
      p.zeroGrad();
    }
    return norm;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}

/** Linear warmup then cosine decay to `floor`·lr. */
export function warmupCosine(step: number, total: number, lr: number, warmup: number, floor = 0.05): number {
  if (step < warmup) return (lr * (step + 1)) / warmup;
  const p = Math.min(1, (step - warmup) / Math.max(1, total - warmup));
  return lr * (floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * p)));
}

/** CLIPGPU_PROFILE=kernels (or =shapes): profiles the third step's GPU time; true when it started one. */
export function startStepProfile(rt: Runtime, step: number): boolean {
  const mode = process.env.CLIPGPU_PROFILE;
  if (step !== 2 || (mode !== 'kernels' && mode !== 'shapes')) return false;
  rt.gpu.startProfile({ byShape: mode === 'shapes' });
  return true;
}

/** The 25 kernels (or kernel shapes) that took the most GPU time, one line each. */
export function logProfile(report: KernelTime[], log: (line: string) => void): void {
  for (const k of report.slice(0, 25))
    log(`  ${k.kernel.slice(0, 120).padEnd(28)} ${String(k.dispatches).padStart(5)} × ${k.ms.toFixed(1).padStart(8)} ms`);
}
