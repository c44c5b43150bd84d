// Shapes and launch layout shared by the row-wise kernel families (layernorm, softmax, reduce):
// argument checks that name the kernel and the argument, how many invocations share a row
// (row_reduce.wgsl), and the row blocks of the deterministic two-stage column sums.
import type { BufferArg, Gpu } from '../gpu.js';
import { grid, KernelError, Program } from '../program.js';
import rowReduce from './row_reduce.wgsl';
import rowReduceSubgroups from './row_reduce_subgroups.wgsl';

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

/**
 * Tests and benchmarks pin the row layout here: at most `maxPerRow` invocations per row (e.g. the
 * hardware layout on SwiftShader), and `subgroups` false for the workgroup-memory variant where
 * the subgroup one would run (true: the subgroup one, refused where the adapter cannot run it).
 */
export const rowTuning: { maxPerRow?: number; subgroups?: boolean } = {};

/** Whether this adapter can run row_reduce_subgroups.wgsl: the `subgroups` feature and the `subgroup_id` builtin. */
export function rowSubgroupsSupported(gpu: Gpu): boolean {
  return !!gpu.adapter.features?.includes('subgroups') && !!gpu.adapter.wgslFeatures?.includes('subgroup_id');
}

/** A row kernel's two builds: its WGSL behind row_reduce.wgsl (any adapter) or row_reduce_subgroups.wgsl. */
export class RowProgram {
  readonly workgroup: Program;
  private onSubgroups?: Program;
  constructor(
    readonly name: string,
    private readonly source: string,
  ) {
    this.workgroup = new Program(name, rowReduce + source);
  }
  /** Built on first use: most adapters never need it. */
  get subgroups(): Program {
    this.onSubgroups ??= new Program(this.name, rowReduceSubgroups + this.source);
    return this.onSubgroups;
  }
}

/**
 * The build, TPR (invocations per row, a power of two ≤ 256, ~4 columns each) and the dispatch
 * for `rows`. A software adapter (SwiftShader) runs a workgroup's invocations as CPU coroutines
 * that switch at every barrier, so there few invocations per row win: at 257×1024 layernorm took
 * 553 ms with 256 per row and 37 ms with 4. Where the adapter has subgroups (and `subgroup_id`)
 * the subgroup build runs, with TPR at most its smallest subgroup size (4 where unreported).
 */
export function rowLayout(
  gpu: Gpu,
  program: RowProgram,
  rows: number,
  cols: number,
): { program: Program; constants: { TPR: number }; workgroups: [number, number] } {
  const supported = rowSubgroupsSupported(gpu);
  if (rowTuning.subgroups && !supported)
    throw new KernelError(
      program.name,
      "the subgroup build needs the 'subgroups' feature and the 'subgroup_id' builtin, which this adapter lacks",
    );
  const subgroups = supported && rowTuning.subgroups !== false;
  let most = rowTuning.maxPerRow ?? (gpu.adapter.software ? 4 : WORKGROUP);
  if (subgroups) most = Math.min(most, gpu.adapter.subgroupMinSize ?? 4);
  let tpr = 1;
  while (tpr < most && tpr * 4 < cols) tpr *= 2;
  return { program: subgroups ? program.subgroups : program.workgroup, constants: { TPR: tpr }, workgroups: grid(rows, WORKGROUP / tpr) };
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
