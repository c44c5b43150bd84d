// The runtime: one Gpu (device + kernel launcher) and a pool of storage buffers reused by size, so
// repeated calls of the same shapes allocate nothing new. stats() reports what is held.
import { Gpu, type RequestDeviceOptions } from '@clipgpu/kernels';

/** Buffers are pooled by size rounded up to this many bytes. */
const POOL_GRANULE = 256;

export interface RuntimeStats {
  /** bytes of GPU storage buffers alive (in use + pooled) */
  allocatedBytes: number;
  /** bytes held by live tensors */
  inUseBytes: number;
  /** bytes free in the pool, ready for reuse */
  pooledBytes: number;
  liveTensors: number;
}

export class Runtime {
  private free = new Map<number, GPUBuffer[]>();
  private pooledBytes = 0;
  inUseBytes = 0;
  liveTensors = 0;
  /** Pooled bytes above this are released to the driver instead of kept. */
  poolLimitBytes = 1 << 30;

  constructor(readonly gpu: Gpu) {}

  static async create(options?: RequestDeviceOptions): Promise<Runtime> {
    return new Runtime(await Gpu.create(options));
  }

  /** A buffer of at least `bytes`, from the pool when one of that size is free. */
  acquire(bytes: number, label: string): { buffer: GPUBuffer; bytes: number } {
    const size = Math.max(POOL_GRANULE, Math.ceil(bytes / POOL_GRANULE) * POOL_GRANULE);
    const list = this.free.get(size);
    let buffer = list?.pop();
    if (buffer) this.pooledBytes -= size;
    else buffer = this.gpu.createBuffer(size, label);
    if (list && list.length === 0) this.free.delete(size);
    this.inUseBytes += size;
    return { buffer, bytes: size };
  }

  release(buffer: GPUBuffer, size: number): void {
    this.inUseBytes -= size;
    if (this.gpu.lost) return;
    if (this.pooledBytes + size > this.poolLimitBytes) {
      this.gpu.destroyBuffer(buffer);
      return;
    }
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(buffer);
    this.pooledBytes += size;
  }

  /** Gives every pooled buffer back to the driver. */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) this.gpu.destroyBuffer(b);
    this.free.clear();
    this.pooledBytes = 0;
  }

  stats(): RuntimeStats {
    return {
      allocatedBytes: this.gpu.allocatedBytes,
      inUseBytes: this.inUseBytes,
      pooledBytes: this.pooledBytes,
      liveTensors: this.liveTensors,
    };
  }

  destroy(): void {
    this.trim();
    this.gpu.destroy();
    if (current === this) current = undefined;
  }
}

let current: Runtime | undefined;
let pending: Promise<Runtime> | undefined;

/** Creates (once) and returns the default runtime used by tensors made without one. */
export async function init(options?: RequestDeviceOptions): Promise<Runtime> {
  if (current && !current.gpu.lost) return current;
  pending ??= Runtime.create(options).then(
    (r) => {
      current = r;
      pending = undefined;
      return r;
    },
    (e) => {
      pending = undefined;
      throw e;
    },
  );
  return pending;
}

/** Uses `runtime` as the default from now on (e.g. one made on a specific device). */
export function setRuntime(runtime: Runtime): void {
  current = runtime;
}

export function runtime(): Runtime {
  if (!current) throw new Error('clipgpu: no GPU runtime yet: `await init()` (or `await loadClip(...)`) before making tensors');
  if (current.gpu.lost) throw new Error('clipgpu: the GPU device was lost; `await init()` makes a new runtime (reload models on it)');
  return current;
}
