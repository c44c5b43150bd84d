// Layout ops (the layout kernel family): reshape, permute, slice, concat and embedding,
// forward and backward.
import * as K from '@clipgpu/kernels';
import { record } from '../autograd.js';
import { resolveShape, sizeOf, type Tensor } from '../tensor.js';
import { emptyLike, f32, fail, fmt } from './util.js';

/** The same storage under another shape (one axis may be -1). */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const y = x.view(resolveShape(shape, x.size));
  return record('reshape', y, [x], [], (g) => [g.view(x.shape)]);
}

export function permute(x: Tensor, perm: readonly number[]): Tensor {
  f32('permute', 'x', x);
  if (perm.length !== x.shape.length || [...perm].sort().some((p, i) => p !== i))
    fail('permute', `${fmt(perm)} is not a permutation of the ${x.shape.length} axes of ${fmt(x.shape)}`);
  const y = emptyLike(
    x,
    perm.map((p) => x.shape[p]),
  );
  K.permute(x.rt.gpu, x.buffer, y.buffer, x.shape, perm);
  return record('permute', y, [x], [], (g) => {
    const dx = emptyLike(g, x.shape);
    K.permute(g.rt.gpu, g.buffer, dx.buffer, g.shape, K.invertPermutation(perm));
    return [dx];
  });
}

function axisOf(op: string, x: Tensor, axis: number): number {
  const a = axis < 0 ? axis + x.shape.length : axis;
  if (!Number.isInteger(a) || a < 0 || a >= x.shape.length) fail(op, `axis ${axis} out of range for ${fmt(x.shape)}`);
  return a;
}

function around(shape: readonly number[], axis: number) {
  return { outer: sizeOf(shape.slice(0, axis)), inner: sizeOf(shape.slice(axis + 1)) };
}

/** x[..., start:end, ...] along `axis`. */
export function slice(x: Tensor, axis: number, start: number, end: number): Tensor {
  f32('slice', 'x', x);
  const a = axisOf('slice', x, axis);
  const dim = x.shape[a];
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= dim))
    fail('slice', `range [${start}, ${end}) out of bounds for axis ${a} of ${fmt(x.shape)}`);
  const shape = x.shape.map((d, i) => (i === a ? end - start : d));
  const { outer, inner } = around(x.shape, a);
  const y = emptyLike(x, shape);
  K.copyAxisRange(x.rt.gpu, x.buffer, y.buffer, {
    outer,
    srcDim: dim,
    dstDim: end - start,
    inner,
    srcStart: start,
    dstStart: 0,
    len: end - start,
  });
  return record('slice', y, [x], [], (g) => {
    const dx = emptyLike(g, x.shape);
    K.fill(g.rt.gpu, dx.buffer, dx.size, 0);
    K.copyAxisRange(g.rt.gpu, g.buffer, dx.buffer, {
      outer,
      srcDim: end - start,
      dstDim: dim,
      inner,
      srcStart: 0,
      dstStart: start,
      len: end - start,
    });
    return [dx];
  });
}

/** Joins tensors along `axis`; all other axes must agree. */
export function concat(xs: readonly Tensor[], axis: number): Tensor {
  if (!xs.length) fail('concat', 'no tensors given');
  const a = axisOf('concat', xs[0], axis);
  for (const t of xs) {
    f32('concat', 'x', t);
    if (t.shape.length !== xs[0].shape.length || t.shape.some((d, i) => i !== a && d !== xs[0].shape[i]))
      fail('concat', `shapes ${xs.map((t) => fmt(t.shape)).join(', ')} differ outside axis ${a}`);
  }
  const total = xs.reduce((s, t) => s + t.shape[a], 0);
  const shape = xs[0].shape.map((d, i) => (i === a ? total : d));
  const { outer, inner } = around(shape, a);
  const y = emptyLike(xs[0], shape);
  const starts: number[] = [];
  let at = 0;
  for (const t of xs) {
    starts.push(at);
    K.copyAxisRange(t.rt.gpu, t.buffer, y.buffer, {
      outer,
      srcDim: t.shape[a],
      dstDim: total,
      inner,
      srcStart: 0,
      dstStart: at,
      len: t.shape[a],
    });
    at += t.shape[a];
  }
  return record('concat', y, xs, [], (g) =>
    xs.map((t, i) => {
      if (!t.requiresGrad) return null;
      const dx = emptyLike(g, t.shape);
      K.copyAxisRange(g.rt.gpu, g.buffer, dx.buffer, {
        outer,
        srcDim: total,
        dstDim: t.shape[a],
        inner,
        srcStart: starts[i],
        dstStart: 0,
        len: t.shape[a],
      });
      return dx;
    }),
  );
}

/**
 * table[ids] for int32 ids of any shape → [...ids.shape, dim]; ids are checked against the table
 * size. A table too large for one binding comes as its row blocks, in order (see loadWeights):
 * each block fills the rows whose ids it holds, and gets its own gradient.
 */
export function embedding(table: Tensor | readonly Tensor[], ids: Tensor, idValues?: ArrayLike<number>): Tensor {
  const blocks = (Array.isArray(table) ? table : [table]) as readonly Tensor[];
  if (!blocks.length) fail('embedding', 'the table has no row blocks');
  for (const b of blocks) {
    f32('embedding', 'table', b);
    if (b.shape.length !== 2 || b.shape[1] !== blocks[0]!.shape[1])
      fail('embedding', `table blocks must be [rows, dim] of one dim, got ${blocks.map((t) => fmt(t.shape)).join(', ')}`);
  }
  if (ids.dtype !== 'i32') fail('embedding', `ids must be int32, got ${ids.dtype}`);
  const dim = blocks[0]!.shape[1]!;
  const firsts = blocks.map((_, i) => blocks.slice(0, i).reduce((s, b) => s + b.shape[0]!, 0));
  const vocab = firsts[firsts.length - 1]! + blocks[blocks.length - 1]!.shape[0]!;
  if (idValues) {
    for (let i = 0; i < idValues.length; i++)
      if (!(idValues[i] >= 0 && idValues[i] < vocab))
        fail('embedding', `id ${idValues[i]} at position ${i} is outside the vocabulary of ${vocab}`);
  }
  const y = emptyLike(blocks[0]!, [...ids.shape, dim]);
  blocks.forEach((b, i) =>
    K.embedding(b.rt.gpu, b.buffer, ids.buffer, y.buffer, ids.size, dim, vocab, { first: firsts[i], rows: b.shape[0] }),
  );
  return record('embedding', y, [...blocks, ids], [ids], (g, [is]) => [
    ...blocks.map((b, i) => {
      const dt = emptyLike(g, b.shape);
      K.embeddingBackward(g.rt.gpu, is.buffer, g.buffer, dt.buffer, is.size, dim, vocab, {
        zero: true,
        first: firsts[i],
        rows: b.shape[0],
      });
      return dt;
    }),
    null,
  ]);
}
