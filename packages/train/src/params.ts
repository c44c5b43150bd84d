// Trainable parameters for models built from a Weights map: random initialisation by name, and
// export to safetensors.
import { type Runtime, Tensor, writeSafetensors } from '@clipgpu/clip-runtime';
import { f32ToF16Bits, randn, type Random } from '@clipgpu/clip-runtime/internals';

/** AdamW's usual choice: decay the matrices and convolutions, not biases, norms or scales. */
export const matricesOnly = (t: Tensor): boolean => t.shape.length >= 2;

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

  /** The tensors, for the optimizer. */
  get list(): Tensor[] {
    return [...this.tensors.values()];
  }

  zeroGrad(): void {
    for (const t of this.tensors.values()) t.zeroGrad();
  }

  dispose(): void {
    for (const t of this.tensors.values()) t.dispose();
    this.tensors.clear();
  }
}
