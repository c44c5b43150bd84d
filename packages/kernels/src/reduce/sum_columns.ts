import type { Gpu, BufferArg } from '../gpu.js';
import { grid, Program } from '../program.js';
import source from './sum_columns.wgsl';

const program = new Program('sum_columns', source);

/** out[c] = Σ_r x[r, c], x of shape [rows, cols]. */
export function sumColumns(gpu: Gpu, x: BufferArg, out: BufferArg, rows: number, cols: number): void {
  gpu.run(program, {
    buffers: { x, out },
    uniforms: { rows, cols },
    workgroups: grid(cols, 64),
    minBytes: { x: rows * cols * 4, out: cols * 4 },
  });
}
