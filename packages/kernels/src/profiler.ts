// Per-kernel GPU time from timestamp queries: while a profile is on, each dispatch runs in its own
// compute pass that stamps its start and end, and each submitted batch resolves its stamps into a
// buffer read back later. Separate passes serialize the dispatches, so totals are an upper bound
// on what a batched run spends in each kernel; they rank kernels, they are not a benchmark.
import { gentleWait } from './gentle-wait.js';

const SLOTS = 2048; // dispatches per batch before the caller must flush

export interface KernelTime {
  kernel: string;
  dispatches: number;
  ms: number;
}

export class KernelProfiler {
  private querySet: GPUQuerySet;
  private names: string[] = [];
  private pending: Promise<void>[] = [];
  private totals = new Map<string, { dispatches: number; ns: number }>();

  constructor(
    private device: GPUDevice,
    private byShape: boolean,
  ) {
    this.querySet = device.createQuerySet({ type: 'timestamp', count: 2 * SLOTS });
  }

  get full(): boolean {
    return this.names.length >= SLOTS;
  }

  /** The timestampWrites of the next dispatch's pass. */
  slot(kernel: string, args: { uniforms?: object; workgroups: readonly (number | undefined)[] }): GPUComputePassTimestampWrites {
    const name = this.byShape ? `${kernel} ${JSON.stringify(args.uniforms ?? {})} × [${args.workgroups.join(', ')}]` : kernel;
    const k = this.names.push(name) - 1;
    return { querySet: this.querySet, beginningOfPassWriteIndex: 2 * k, endOfPassWriteIndex: 2 * k + 1 };
  }

  /** Records the resolve of this batch's stamps into `encoder`; call before finish(). */
  resolve(encoder: GPUCommandEncoder): (() => void) | undefined {
    const n = this.names.length;
    if (!n) return undefined;
    const names = this.names.splice(0);
    const resolved = this.device.createBuffer({ size: 16 * n, usage: 0x200 /* QUERY_RESOLVE */ | 0x4 /* COPY_SRC */ });
    const staging = this.device.createBuffer({ size: 16 * n, usage: 0x1 /* MAP_READ */ | 0x8 /* COPY_DST */ });
    encoder.resolveQuerySet(this.querySet, 0, 2 * n, resolved, 0);
    encoder.copyBufferToBuffer(resolved, 0, staging, 0, 16 * n);
    // after submit: read the stamps back
    return () => {
      this.pending.push(
        gentleWait(staging.mapAsync(1 /* READ */)).then(() => {
          const stamps = new BigInt64Array(staging.getMappedRange());
          names.forEach((name, k) => {
            const t = this.totals.get(name) ?? { dispatches: 0, ns: 0 };
            t.dispatches++;
            t.ns += Math.max(0, Number(stamps[2 * k + 1]! - stamps[2 * k]!));
            this.totals.set(name, t);
          });
          staging.unmap();
          staging.destroy();
          resolved.destroy();
        }),
      );
    };
  }

  /** Kernels by total time, largest first. */
  async report(): Promise<KernelTime[]> {
    await Promise.all(this.pending.splice(0));
    this.querySet.destroy();
    return [...this.totals].map(([kernel, t]) => ({ kernel, dispatches: t.dispatches, ms: t.ns / 1e6 })).sort((a, b) => b.ms - a.ms);
  }
}
