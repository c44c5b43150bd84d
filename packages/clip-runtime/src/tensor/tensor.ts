// Tensor: a shape, a dtype and a reference-counted GPU storage, plus the autograd fields
// (requiresGrad, grad, and the node of the op that made it).
// It imports no op: ops build on Tensor, as tinygrad's Functions build on its Tensor. The backward
// pass seeds and accumulates gradients with the kernels directly.
import * as K from '@clipgpu/kernels';
import type { Node } from './autograd.js';
import { onCreate, runBackward } from './autograd.js';
import { runtime, type Runtime } from './runtime.js';

export type DType = 'f32' | 'i32' | 'f16';

/** GPU memory shared by a tensor and its views (reshape) and by autograd nodes that saved it. */
export class Storage {
  refs = 1;
  constructor(
    readonly rt: Runtime,
    readonly buffer: GPUBuffer,
    readonly bytes: number,
  ) {}
  retain(): this {
    if (this.refs <= 0) throw new Error('clipgpu: use of a disposed tensor');
    this.refs++;
    return this;
  }
  release(): void {
    if (--this.refs === 0) this.rt.release(this.buffer, this.bytes);
  }
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function checkShape(shape: readonly number[]): void {
  for (const d of shape) if (!Number.isInteger(d) || d < 0) throw new Error(`clipgpu: invalid shape [${shape.join(', ')}]`);
}

const BYTES: Record<DType, number> = { f32: 4, i32: 4, f16: 2 };

export class Tensor {
  requiresGrad: boolean;
  grad?: Tensor;
  /** the op that produced this tensor, when it needs a gradient */
  node?: Node;
  private disposed = false;

  constructor(
    readonly storage: Storage,
    readonly shape: readonly number[],
    readonly dtype: DType = 'f32',
    requiresGrad = false,
  ) {
    this.requiresGrad = requiresGrad;
    storage.rt.liveTensors++;
    onCreate(this);
  }

  get size(): number {
    return sizeOf(this.shape);
  }
  get buffer(): GPUBuffer {
    if (this.disposed) throw new Error(`clipgpu: tensor [${this.shape.join(', ')}] was disposed`);
    return this.storage.buffer;
  }
  get rt(): Runtime {
    return this.storage.rt;
  }
  get isDisposed(): boolean {
    return this.disposed;
  }

  /** An uninitialised tensor (its buffer comes from the pool). */
  static empty(shape: readonly number[], dtype: DType = 'f32', rt: Runtime = runtime()): Tensor {
    checkShape(shape);
    const bytes = sizeOf(shape) * BYTES[dtype];
    const { buffer, bytes: size } = rt.acquire(bytes, `tensor[${shape.join(',')}]`);
    return new Tensor(new Storage(rt, buffer, size), shape, dtype);
  }

  /**
   * A tensor from host data: Float32Array (or number[]) makes f32, Int32Array makes i32,
   * Uint16Array makes f16 (raw half bits, packed two per word on the GPU: weights for matmulF16).
   */
  static from(
    data: Float32Array | Int32Array | Uint16Array | readonly number[],
    shape?: readonly number[],
    opts: { requiresGrad?: boolean; runtime?: Runtime } = {},
  ): Tensor {
    const typed =
      data instanceof Float32Array || data instanceof Int32Array || data instanceof Uint16Array ? data : Float32Array.from(data);
    const dtype: DType = typed instanceof Int32Array ? 'i32' : typed instanceof Uint16Array ? 'f16' : 'f32';
    const s = shape ?? [typed.length];
    if (sizeOf(s) !== typed.length) throw new Error(`clipgpu: ${typed.length} values do not fill shape [${s.join(', ')}] (${sizeOf(s)})`);
    if (opts.requiresGrad && dtype !== 'f32') throw new Error('clipgpu: only f32 tensors can require gradients');
    const t = Tensor.empty(s, dtype, opts.runtime);
    if (typed.length) t.rt.gpu.write(t.buffer, typed);
    t.requiresGrad = !!opts.requiresGrad;
    return t;
  }

  static zeros(shape: readonly number[], opts: { requiresGrad?: boolean; runtime?: Runtime } = {}): Tensor {
    return Tensor.from(new Float32Array(sizeOf(shape)), shape, opts);
  }

  /** Reads the values back (f16 tensors come back as f32). */
  async toArray(): Promise<Float32Array | Int32Array> {
    const bytes = this.size * BYTES[this.dtype];
    const raw = await this.rt.gpu.read(this.buffer, Math.ceil(bytes / 4) * 4);
    if (this.dtype === 'i32') return new Int32Array(raw, 0, this.size);
    if (this.dtype === 'f16') return K.f16BitsToF32(new Uint16Array(raw, 0, this.size));
    return new Float32Array(raw, 0, this.size);
  }

  /** Reads a one-element tensor as a number. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new Error(`clipgpu: item() needs one element, tensor has shape [${this.shape.join(', ')}]`);
    return (await this.toArray())[0];
  }

  /** Frees this tensor's reference to its storage (autograd nodes that saved it keep theirs). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.rt.liveTensors--;
    this.storage.release();
    this.grad?.dispose();
    this.grad = undefined;
  }

  /** A view with another shape over the same storage (no copy, no gradient link: see reshape). */
  view(shape: readonly number[]): Tensor {
    return new Tensor(this.storage.retain(), resolveShape(shape, this.size), this.dtype, false);
  }

  /** Backpropagates from this scalar (or with an explicit output gradient) into every leaf's .grad. */
  async backward(grad?: Tensor): Promise<void> {
    if (!grad && this.size !== 1)
      throw new Error(`clipgpu: backward() without a gradient needs a scalar, this is [${this.shape.join(', ')}]`);
    if (grad && grad.size !== this.size)
      throw new Error(`clipgpu: backward() gradient [${grad.shape.join(', ')}] does not match [${this.shape.join(', ')}]`);
    let seed = grad?.view(this.shape);
    if (!seed) {
      seed = Tensor.empty(this.shape, 'f32', this.rt);
      K.fill(this.rt.gpu, seed.buffer, seed.size, 1);
    }
    runBackward(this, seed, addGradients);
    await this.rt.gpu.sync();
  }

  /** Drops the accumulated gradient. */
  zeroGrad(): void {
    this.grad?.dispose();
    this.grad = undefined;
  }

  toString(): string {
    return `Tensor(${this.dtype}[${this.shape.join(', ')}]${this.requiresGrad ? ', requiresGrad' : ''})`;
  }
}

/** a + b, two gradients of one shape, into a new tensor: how the tape accumulates them. */
function addGradients(a: Tensor, b: Tensor): Tensor {
  const out = Tensor.empty(a.shape, 'f32', a.rt);
  K.binary(a.rt.gpu, 'add', a.buffer, b.buffer, out.buffer, a.size);
  return out;
}

/** Resolves one -1 in a shape. */
export function resolveShape(shape: readonly number[], size: number): number[] {
  const known = shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const out = shape.map((d) => (d === -1 ? size / known : d));
  if (shape.filter((d) => d === -1).length > 1 || sizeOf(out) !== size || out.some((d) => !Number.isInteger(d) || d < 0))
    throw new Error(`clipgpu: cannot view ${size} elements as [${shape.join(', ')}]`);
  return out;
}
