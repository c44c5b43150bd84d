// Shapes and launch layout shared by the row-wise kernel families (layernorm, softmax, reduce):
// argument checks that name the kernel and the argument, how many invocations share a row
// (row_reduce.wgsl), and the row blocks of the deterministic two-stage column sums.
import type { BufferArg, Gpu } from '../gpu.js';
import { grid, KernelError } from '../program.js';

export const WORKGROUP = 256;

/** Throws unless every named dimension is a positive integer. */
export function checkDims(kernel: string, dims: Record<string, number>): void {
  for (const [name, v] of Object.entries(dims))
    if (!Number.isInteger(v) || v < 1) throw new KernelError(kernel, `'${name}' must be a positive integer, got ${v}`);
}

export function bytesOf(a: BufferArg): number {
  return 'buffer' in a ? (a.size ?? a.buffer.size - (a.offset ?? 0)) : a.size;
}

/**
 * Checks buffer sizes before anything is recorded (for launchers that record several dispatches,
 * so a bad call leaves no half-done work behind). Same message as Gpu.run's minBytes.
 */
export function checkBytes(kernel: string, need: Record<string, [BufferArg | undefined, number]>): void {
  for (const [name, [buf, bytes]] of Object.entries(need)) {
    if (!buf) continue;
    const have = bytesOf(buf);
    if (have < bytes) throw new KernelError(kernel, `buffer '${name}' holds ${have} bytes, needs ${bytes}`);
  }
}

/** Tests and benchmarks pin the invocations per row here (e.g. the hardware layout on SwiftShader). */
export const rowTuning: { maxPerRow?: number } = {};

/**
 * TPR (invocations per row, a power of two ≤ 256, ~4 columns each) and the dispatch for `rows`.
 * A software adapter (SwiftShader) runs a workgroup's invocations as CPU coroutines that switch at
 * every barrier, so there few invocations per row win: at 257×1024 layernorm took 553 ms with 256
 * per row and 37 ms with 4.
 */
export function rowLayout(gpu: Gpu, rows: number, cols: number): { constants: { TPR: number }; workgroups: [number, number] } {
  const most = rowTuning.maxPerRow ?? (gpu.adapter.software ? 4 : WORKGROUP);
  let tpr = 1;
  while (tpr < most && tpr * 4 < cols) tpr *= 2;
  return { constants: { TPR: tpr }, workgroups: grid(rows, WORKGROUP / tpr) };
}

/**
 * Rows per block when summing columns in stages: enough blocks that ~32K invocations share the
 * work, at most 256, and at least 8 rows per block. Depends on the shape only, so the order of
 * the additions, and the result, is the same on every run.
 */
export function columnBlock(rows: number, cols: number): number {
  const blocks = Math.min(256, Math.ceil(32768 / cols));
  return Math.min(rows, Math.max(8, Math.ceil(rows / blocks)));
}
