// Launchers for data movement: fill, strided copy of an axis range (slice/concat and their
// gradients), permute (transposes of any rank ≤ 6), and the token-embedding gather with its
// deterministic scatter-add backward.
//
// Napkin math: all of these are pure bandwidth, 0 FLOPs (accumulating copies: 1 FLOP/element).
//   fill              4n bytes written
//   copyAxisRange     8·outer·len·inner bytes (12 with accumulate: dst is read too)
//   permute           8n bytes; reads are strided unless the innermost axis stays innermost
//   embedding         8·count·dim bytes (+4·count for ids)
//   embeddingBackward 12·count·dim bytes, but only `dim` invocations: latency-bound for long id lists
import type { BufferArg, Gpu } from '../gpu.js';
import { grid, KernelError, Program } from '../program.js';
import copyAxisRangeSource from './copy_axis_range.wgsl';
import embeddingSource from './embedding.wgsl';
import embeddingBackwardSource from './embedding_backward.wgsl';
import fillSource from './fill.wgsl';
import permuteSource from './permute.wgsl';

const programs = {
  fill: new Program('fill', fillSource),
  copyAxisRange: new Program('copy_axis_range', copyAxisRangeSource),
  permute: new Program('permute', permuteSource),
  embedding: new Program('embedding', embeddingSource),
  embeddingBackward: new Program('embedding_backward', embeddingBackwardSource),
};

/** The largest rank permute() handles. */
export const MAX_PERMUTE_RANK = 6;

function checkCount(kernel: string, name: string, v: number, min = 0): void {
  if (!Number.isInteger(v) || v < min) throw new KernelError(kernel, `'${name}' must be an integer ≥ ${min}, got ${v}`);
}

function range(a: BufferArg): { buffer: GPUBuffer; lo: number; hi: number } {
  if ('buffer' in a) {
    const lo = a.offset ?? 0;
    return { buffer: a.buffer, lo, hi: a.size === undefined ? a.buffer.size : lo + a.size };
  }
  return { buffer: a, lo: 0, hi: a.size };
}

/** WebGPU forbids a writable binding that overlaps another binding of the same dispatch. */
function checkNoAlias(kernel: string, read: BufferArg, readName: string, write: BufferArg, writeName: string): void {
  const r = range(read);
  const w = range(write);
  if (r.buffer === w.buffer && r.lo < w.hi && w.lo < r.hi)
    throw new KernelError(kernel, `'${writeName}' overlaps '${readName}'; in-place ${kernel} is not supported`);
}

/** out[i] = value for i < n. */
export function fill(gpu: Gpu, out: BufferArg, n: number, value: number): void {
  checkCount('fill', 'n', n);
  if (typeof value !== 'number') throw new KernelError('fill', `'value' must be a number, got ${typeof value}`);
  gpu.run(programs.fill, { buffers: { out }, uniforms: { n, value }, workgroups: grid(n, 256), minBytes: { out: n * 4 } });
}

export interface AxisRange {
  outer: number;
  srcDim: number;
  dstDim: number;
  inner: number;
  srcStart: number;
  dstStart: number;
  len: number;
  /** add into dst instead of overwriting (gradients of overlapping uses) */
  accumulate?: boolean;
}

/**
 * Viewing src as [outer, srcDim, inner] and dst as [outer, dstDim, inner], copies
 * src[:, srcStart:srcStart+len, :] to dst[:, dstStart:dstStart+len, :] (adds with accumulate).
 * Slice is one call, concat one call per piece; the backward of each is the same call with src and
 * dst (and their dims and starts) swapped. src and dst must not overlap.
 */
export function copyAxisRange(gpu: Gpu, src: BufferArg, dst: BufferArg, p: AxisRange): void {
  const k = 'copy_axis_range';
  for (const name of ['outer', 'srcDim', 'dstDim', 'inner', 'srcStart', 'dstStart', 'len'] as const) checkCount(k, name, p[name]);
  if (p.srcStart + p.len > p.srcDim)
    throw new KernelError(k, `source range [${p.srcStart}, ${p.srcStart + p.len}) exceeds 'srcDim' ${p.srcDim}`);
  if (p.dstStart + p.len > p.dstDim)
    throw new KernelError(k, `destination range [${p.dstStart}, ${p.dstStart + p.len}) exceeds 'dstDim' ${p.dstDim}`);
  checkNoAlias(k, src, 'src', dst, 'dst');
  const n = p.outer * p.len * p.inner;
  if (n === 0) return;
  gpu.run(programs.copyAxisRange, {
    buffers: { src, dst },
    uniforms: { n, len: p.len, inner: p.inner, src_dim: p.srcDim, dst_dim: p.dstDim, src_start: p.srcStart, dst_start: p.dstStart },
    constants: { ACCUMULATE: p.accumulate ? 1 : 0 },
    workgroups: grid(n, 256),
    minBytes: { src: p.outer * p.srcDim * p.inner * 4, dst: p.outer * p.dstDim * p.inner * 4 },
  });
}

/** inverse[perm[i]] = i: permute(y, x, permuted shape, inverse) undoes permute(x, y, shape, perm). */
export function invertPermutation(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length).fill(-1);
  perm.forEach((p, i) => {
    if (!Number.isInteger(p) || p < 0 || p >= perm.length || inv[p] !== -1)
      throw new KernelError('permute', `'perm' [${perm.join(', ')}] is not a permutation of 0..${perm.length - 1}`);
    inv[p] = i;
  });
  return inv;
}

/**
 * y = x with its axes permuted: x has shape `shape` (rank ≤ 6), y has shape [shape[perm[0]], ...],
 * y[i_0, ..., i_r] = x[j] where j_perm[k] = i_k (numpy's transpose). The backward is permute with
 * invertPermutation(perm) on the permuted shape. x and y must not overlap.
 */
export function permute(gpu: Gpu, x: BufferArg, y: BufferArg, shape: readonly number[], perm: readonly number[]): void {
  const k = 'permute';
  if (shape.length > MAX_PERMUTE_RANK)
    throw new KernelError(k, `'shape' has rank ${shape.length}, at most ${MAX_PERMUTE_RANK} is supported`);
  if (perm.length !== shape.length) throw new KernelError(k, `'perm' has ${perm.length} axes but 'shape' has ${shape.length}`);
  shape.forEach((d, i) => checkCount(k, `shape[${i}]`, d));
  invertPermutation(perm); // validates
  checkNoAlias(k, x, 'x', y, 'y');
  const n = shape.reduce((a, b) => a * b, 1);
  if (n === 0) return;
  const inStride = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  // padded to 8 axes with leading 1s (stride 0)
  const pad = 8 - shape.length;
  const dims = [...new Array<number>(pad).fill(1), ...perm.map((p) => shape[p])];
  const strides = [...new Array<number>(pad).fill(0), ...perm.map((p) => inStride[p])];
  gpu.run(programs.permute, {
    buffers: { x, y },
    uniforms: { dims_lo: dims.slice(0, 4), dims_hi: dims.slice(4), strides_lo: strides.slice(0, 4), strides_hi: strides.slice(4), n },
    workgroups: grid(n, 256),
    minBytes: { x: n * 4, y: n * 4 },
  });
}

/**
 * Throws unless every id is an integer in [0, vocab). The kernels cannot report a bad id (they
 * write NaN rows forward and skip it backward), so the runtime checks ids here before uploading.
 */
export function validateIds(ids: ArrayLike<number>, vocab: number, kernel = 'embedding'): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!Number.isInteger(id) || id < 0 || id >= vocab)
      throw new KernelError(kernel, `'ids'[${i}] = ${id} is outside the vocabulary [0, ${vocab})`);
  }
}

function checkEmbedding(k: string, count: number, dim: number, vocab: number): void {
  checkCount(k, 'count', count);
  checkCount(k, 'dim', dim, 1);
  checkCount(k, 'vocab', vocab, 1);
  if (vocab > 2 ** 31 - 1) throw new KernelError(k, `'vocab' ${vocab} does not fit int32 ids`);
}

/** Rows [first, first + rows) of a [vocab, dim] table: the block one buffer holds (default: all). */
export interface RowBlock {
  first?: number;
  rows?: number;
}

function rowBlock(k: string, vocab: number, block: RowBlock): { first: number; rows: number } {
  const first = block.first ?? 0;
  const rows = block.rows ?? vocab - first;
  checkCount(k, 'first', first);
  checkCount(k, 'rows', rows, 1);
  if (first + rows > vocab) throw new KernelError(k, `row block [${first}, ${first + rows}) is outside the vocabulary [0, ${vocab})`);
  return { first, rows };
}

/**
 * out[i, :] = table[ids[i], :]: ids int32 (array<i32>) of `count`, table [vocab, dim], out
 * [count, dim]. Ids are validated on the CPU by the runtime (validateIds) before upload; an
 * out-of-range id that slips through gives a NaN row. A table too large for one binding is passed
 * block by block (`block`: the rows this buffer holds); each call writes the rows whose ids are in
 * its block, so one call per block fills `out`.
 */
export function embedding(
  gpu: Gpu,
  table: BufferArg,
  ids: BufferArg,
  out: BufferArg,
  count: number,
  dim: number,
  vocab: number,
  block: RowBlock = {},
): void {
  checkEmbedding('embedding', count, dim, vocab);
  const { first, rows } = rowBlock('embedding', vocab, block);
  const n = count * dim;
  if (n === 0) return;
  gpu.run(programs.embedding, {
    buffers: { table, ids, out },
    uniforms: { n, dim, vocab, first, rows, invalid: NaN },
    workgroups: grid(n, 256),
    minBytes: { table: rows * dim * 4, ids: count * 4, out: n * 4 },
  });
}

/**
 * dtable[ids[i], :] += dout[i, :] for i < count, summed in order of i (deterministic). dtable
 * [vocab, dim], or the rows of `block`, accumulates: zero it first, or pass `zero: true` to have it
 * zeroed here.
 */
export function embeddingBackward(
  gpu: Gpu,
  ids: BufferArg,
  dout: BufferArg,
  dtable: BufferArg,
  count: number,
  dim: number,
  vocab: number,
  opts: { zero?: boolean } & RowBlock = {},
): void {
  checkEmbedding('embedding_backward', count, dim, vocab);
  const { first, rows } = rowBlock('embedding_backward', vocab, opts);
  const r = range(dtable);
  if (r.hi - r.lo < rows * dim * 4)
    throw new KernelError('embedding_backward', `buffer 'dtable' holds ${r.hi - r.lo} bytes, needs ${rows * dim * 4}`);
  if (opts.zero) fill(gpu, dtable, rows * dim, 0);
  if (count === 0) return;
  gpu.run(programs.embeddingBackward, {
    buffers: { ids, dout, dtable },
    uniforms: { count, dim, vocab, first, rows },
    workgroups: grid(dim, 64),
    minBytes: { ids: count * 4, dout: count * dim * 4, dtable: rows * dim * 4 },
  });
}
