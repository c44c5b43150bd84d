// Column sums, out[c] = Σ_r x[r, c]: the gradient of a broadcast over rows.
// Napkin math: rows·cols FLOPs; bytes ≈ 4·rows·cols read + 4·cols written (+ 8·blocks·cols for the
// partial sums when rows are summed in stages). Memory-bound.
import type { BufferArg, Gpu } from '../gpu.js';
import { grid, Program } from '../program.js';
import columnSlot from './column_slot.wgsl';
import { checkBytes, checkDims, columnBlock } from './rows.js';
import source from './sum_columns.wgsl';

const program = new Program('sum_columns', columnSlot + source);

/**
 * out[c] = Σ_r x[r, c], x of shape [rows, cols]. Many rows are summed in fixed row blocks, then the
 * block sums in turn (scratch freed here): deterministic, and more parallel and more accurate than
 * one long loop per column.
 */
export function sumColumns(gpu: Gpu, x: BufferArg, out: BufferArg, rows: number, cols: number): void {
  checkDims('sum_columns', { rows, cols });
  checkBytes('sum_columns', { x: [x, rows * cols * 4], out: [out, cols * 4] });
  const block = columnBlock(rows, cols);
  const blocks = Math.ceil(rows / block);
  const part = blocks === 1 ? out : gpu.createBuffer(blocks * cols * 4, 'sum_columns partial');
  gpu.run(program, {
    buffers: { x, out: part },
    uniforms: { rows, cols, block },
    workgroups: grid(blocks * Math.ceil(cols / 64), 1),
    minBytes: { x: rows * cols * 4, out: blocks * cols * 4 },
  });
  if (blocks > 1) {
    sumColumns(gpu, part, out, blocks, cols);
    gpu.destroyBuffer(part as GPUBuffer);
  }
}
