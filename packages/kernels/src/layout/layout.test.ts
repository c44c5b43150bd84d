import { describe, expect, it } from 'vitest';
import { TOLERANCE } from '../tolerances.js';
import { dot, expectClose, finiteDifferences, freshSeed, poisoned, randn, rng, testGpu, expectKernelError } from '../testing.js';
import { copyAxisRange, embedding, embeddingBackward, fill, invertPermutation, permute, validateIds, type AxisRange } from './layout.js';
import { copyAxisRangeRef, embeddingBackwardRef, embeddingRef, fillRef, permuteRef } from './layout.ref.js';

const gpu = await testGpu();
const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** ⟨A x, y⟩ = ⟨x, Aᵀ y⟩ up to f32 rounding of the two results (relative to ‖Ax‖‖y‖). */
function expectAdjoint(
  what: string,
  ax: ArrayLike<number>,
  y: ArrayLike<number>,
  x: ArrayLike<number>,
  aty: ArrayLike<number>,
  seed: number,
): void {
  const lhs = dot(ax, y);
  const rhs = dot(x, aty);
  const scale = Math.sqrt(dot(ax, ax) * dot(y, y)) || 1;
  if (!(Math.abs(lhs - rhs) <= TOLERANCE.f32 * scale)) throw new Error(`${what}: ⟨Ax, y⟩ = ${lhs} but ⟨x, Aᵀy⟩ = ${rhs}; seed ${seed}`);
}

function bitsEqual(a: Float32Array, b: Float32Array): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

describe('fill', () => {
  for (const n of [1, 1001, 77 * 513]) {
    it(`n=${n}`, async () => {
      const out = poisoned(gpu, n + 3);
      fill(gpu, out, n, -2.5);
      const got = await gpu.readF32(out, n + 3);
      expectClose('fill', got.subarray(0, n), fillRef(n, -2.5), 0);
      expect(Number.isNaN(got[n])).toBe(true); // nothing past n is touched
      gpu.destroyBuffer(out);
    });
  }
});

describe('copyAxisRange', () => {
  const cases: [string, AxisRange][] = [
    ['slice', { outer: 3, srcDim: 17, dstDim: 5, inner: 7, srcStart: 9, dstStart: 0, len: 5 }],
    ['class token of [2, 50, 768]', { outer: 2, srcDim: 50, dstDim: 1, inner: 768, srcStart: 0, dstStart: 0, len: 1 }],
    ['into the middle, accumulate', { outer: 5, srcDim: 4, dstDim: 11, inner: 3, srcStart: 1, dstStart: 6, len: 3, accumulate: true }],
    ['inner 1', { outer: 13, srcDim: 9, dstDim: 9, inner: 1, srcStart: 2, dstStart: 4, len: 5 }],
  ];
  for (const [name, p] of cases) {
    it(name, async () => {
      const seed = freshSeed();
      const r = rng(seed);
      const src = randn(p.outer * p.srcDim * p.inner, r);
      const nd = p.outer * p.dstDim * p.inner;
      // untouched dst elements must keep their values
      const dst0 = randn(nd, r);
      const S = gpu.upload(src),
        D = gpu.upload(dst0);
      copyAxisRange(gpu, S, D, p);
      expectClose(name, await gpu.readF32(D, nd), copyAxisRangeRef(src, dst0, p), TOLERANCE.f32, seed);
      [S, D].forEach((b) => gpu.destroyBuffer(b));
    });
  }

  it('concat of three pieces covers a poisoned output', async () => {
    const seed = freshSeed();
    const r = rng(seed);
    const [outer, inner, lens] = [3, 5, [2, 7, 1]];
    const total = lens.reduce((a, b) => a + b);
    const pieces = lens.map((l) => randn(outer * l * inner, r));
    const bufs = pieces.map((p) => gpu.upload(p));
    const out = poisoned(gpu, outer * total * inner);
    let expected: Float64Array = new Float64Array(outer * total * inner);
    let at = 0;
    lens.forEach((len, i) => {
      const p = { outer, srcDim: len, dstDim: total, inner, srcStart: 0, dstStart: at, len };
      copyAxisRange(gpu, bufs[i], out, p);
      expected = copyAxisRangeRef(pieces[i], expected, p);
      at += len;
    });
    expectClose('concat', await gpu.readF32(out, outer * total * inner), expected, 0, seed);
    [...bufs, out].forEach((b) => gpu.destroyBuffer(b));
  });

  it('backward (swapped copy) is the adjoint, and matches finite differences', async () => {
    const seed = freshSeed();
    const r = rng(seed);
    const p = { outer: 4, srcDim: 10, dstDim: 6, inner: 9, srcStart: 3, dstStart: 1, len: 4 };
    const back = {
      outer: p.outer,
      srcDim: p.dstDim,
      dstDim: p.srcDim,
      inner: p.inner,
      srcStart: p.dstStart,
      dstStart: p.srcStart,
      len: p.len,
    };
    const ns = p.outer * p.srcDim * p.inner,
      nd = p.outer * p.dstDim * p.inner;
    const x = randn(ns, r),
      y = randn(nd, r);
    const X = gpu.upload(x),
      Y = gpu.upload(y),
      AX = gpu.createBuffer(nd * 4),
      ATY = gpu.createBuffer(ns * 4);
    fill(gpu, AX, nd, 0);
    fill(gpu, ATY, ns, 0);
    copyAxisRange(gpu, X, AX, p);
    copyAxisRange(gpu, Y, ATY, back);
    expectAdjoint('copyAxisRange', await gpu.readF32(AX, nd), y, x, await gpu.readF32(ATY, ns), seed);
    // the reference's backward against finite differences, on a tiny shape
    const t = { outer: 2, srcDim: 3, dstDim: 2, inner: 2, srcStart: 1, dstStart: 0, len: 2 };
    const tb = { outer: 2, srcDim: 2, dstDim: 3, inner: 2, srcStart: 0, dstStart: 1, len: 2 };
    const w = randn(8, r);
    const analytic = copyAxisRangeRef(w, new Float64Array(12), tb);
    expectClose(
      'copy fd',
      analytic,
      finiteDifferences((v) => dot(copyAxisRangeRef(v, new Float64Array(8), t), w), randn(12, r)),
      TOLERANCE.finiteDifference,
      seed,
    );
    [X, Y, AX, ATY].forEach((b) => gpu.destroyBuffer(b));
  });
});

describe('permute', () => {
  const cases: [number[], number[]][] = [
    [
      [2, 50, 12, 64],
      [0, 2, 1, 3],
    ], // CLIP heads split
    [
      [3, 5, 7],
      [2, 0, 1],
    ],
    [
      [17, 33],
      [1, 0],
    ],
    [
      [2, 3, 1, 4, 5, 3],
      [5, 3, 1, 0, 2, 4],
    ],
    [[11], [0]],
    [
      [3, 2, 2, 3, 2, 3],
      [5, 0, 3, 2, 4, 1],
    ], // rank 6, every extent > 1: each step of the unrolled index math
  ];
  for (const [shape, perm] of cases) {
    it(`[${shape}] by [${perm}], and back`, async () => {
      const seed = freshSeed();
      const n = prod(shape);
      const x = randn(n, rng(seed));
      const X = gpu.upload(x),
        Y = poisoned(gpu, n),
        Z = poisoned(gpu, n);
      permute(gpu, X, Y, shape, perm);
      permute(
        gpu,
        Y,
        Z,
        perm.map((p) => shape[p]),
        invertPermutation(perm),
      );
      expectClose('permute', await gpu.readF32(Y, n), permuteRef(x, shape, perm), 0, seed);
      expectClose('round trip', await gpu.readF32(Z, n), x, 0, seed);
      [X, Y, Z].forEach((b) => gpu.destroyBuffer(b));
    });
  }

  it('the inverse permutation is the adjoint and matches finite differences', async () => {
    const seed = freshSeed();
    const r = rng(seed);
    const [shape, perm] = [
      [3, 4, 5, 2],
      [3, 1, 0, 2],
    ];
    const n = prod(shape);
    const x = randn(n, r),
      y = randn(n, r);
    const X = gpu.upload(x),
      Y = gpu.upload(y),
      AX = poisoned(gpu, n),
      ATY = poisoned(gpu, n);
    permute(gpu, X, AX, shape, perm);
    permute(
      gpu,
      Y,
      ATY,
      perm.map((p) => shape[p]),
      invertPermutation(perm),
    );
    expectAdjoint('permute', await gpu.readF32(AX, n), y, x, await gpu.readF32(ATY, n), seed);
    const [ts, tp] = [
      [2, 3, 2],
      [1, 2, 0],
    ];
    const w = randn(12, r);
    const analytic = permuteRef(
      w,
      tp.map((p) => ts[p]),
      invertPermutation(tp),
    );
    expectClose(
      'permute fd',
      analytic,
      finiteDifferences((v) => dot(permuteRef(v, ts, tp), w), randn(12, r)),
      TOLERANCE.finiteDifference,
      seed,
    );
    [X, Y, AX, ATY].forEach((b) => gpu.destroyBuffer(b));
  });
});

describe('embedding', () => {
  for (const [count, dim, vocab] of [
    [77 * 2, 37, 1000],
    [5, 512, 3],
    [1, 1, 1],
  ]) {
    it(`count=${count} dim=${dim} vocab=${vocab}: forward, backward, adjoint, determinism`, async () => {
      const seed = freshSeed();
      const r = rng(seed);
      // repeated ids (vocab small or ids drawn from a few) exercise the ordered accumulation
      const ids = Int32Array.from({ length: count }, () => Math.floor(r() * Math.min(vocab, 7)) * Math.floor(vocab / Math.min(vocab, 7)));
      validateIds(ids, vocab);
      const table = randn(vocab * dim, r),
        dout = randn(count * dim, r),
        init = randn(vocab * dim, r);
      const T = gpu.upload(table),
        I = gpu.upload(ids),
        DO = gpu.upload(dout);
      const OUT = poisoned(gpu, count * dim),
        DT = poisoned(gpu, vocab * dim),
        DT2 = poisoned(gpu, vocab * dim),
        ACC = gpu.upload(init);
      embedding(gpu, T, I, OUT, count, dim, vocab);
      embeddingBackward(gpu, I, DO, DT, count, dim, vocab, { zero: true });
      embeddingBackward(gpu, I, DO, DT2, count, dim, vocab, { zero: true });
      embeddingBackward(gpu, I, DO, ACC, count, dim, vocab);
      const out = await gpu.readF32(OUT, count * dim);
      const dt = await gpu.readF32(DT, vocab * dim);
      expectClose('embedding', out, embeddingRef(table, ids, dim), 0, seed);
      expectClose('embedding backward', dt, embeddingBackwardRef(ids, dout, dim, vocab), TOLERANCE.f32Backward, seed);
      expectClose(
        'embedding backward, accumulating',
        await gpu.readF32(ACC, vocab * dim),
        embeddingBackwardRef(ids, dout, dim, vocab, init),
        TOLERANCE.f32Backward,
        seed,
      );
      expect(bitsEqual(dt, await gpu.readF32(DT2, vocab * dim)), `backward reruns must be bit-identical; seed ${seed}`).toBe(true);
      expectAdjoint('embedding', out, dout, table, dt, seed);
      [T, I, DO, OUT, DT, DT2, ACC].forEach((b) => gpu.destroyBuffer(b));
    });
  }

  it('an out-of-range id gives a NaN row forward and is skipped backward', async () => {
    const ids = Int32Array.from([1, 5, -1, 0]);
    expectKernelError(() => validateIds(ids, 4), /embedding: 'ids'\[1\] = 5 is outside the vocabulary \[0, 4\)/);
    const T = gpu.upload(Float32Array.from({ length: 8 }, (_, i) => i)),
      I = gpu.upload(ids),
      OUT = poisoned(gpu, 8);
    const DO = gpu.upload(new Float32Array(8).fill(1)),
      DT = poisoned(gpu, 8);
    embedding(gpu, T, I, OUT, 4, 2, 4);
    embeddingBackward(gpu, I, DO, DT, 4, 2, 4, { zero: true });
    expect(Array.from(await gpu.readF32(OUT, 8))).toEqual([2, 3, NaN, NaN, NaN, NaN, 0, 1]);
    expect(Array.from(await gpu.readF32(DT, 8))).toEqual([1, 1, 1, 1, 0, 0, 0, 0]);
    [T, I, OUT, DO, DT].forEach((b) => gpu.destroyBuffer(b));
  });

  it('a table in row blocks (one buffer each, as over the binding limit): forward and backward as the whole table', async () => {
    const seed = freshSeed();
    const r = rng(seed);
    const [count, dim, vocab] = [40, 6, 23];
    const blocks = [
      [0, 9],
      [9, 9],
      [18, 5],
    ]; // [first, rows]
    const ids = Int32Array.from({ length: count }, () => Math.floor(r() * vocab));
    const table = randn(vocab * dim, r),
      dout = randn(count * dim, r);
    const I = gpu.upload(ids),
      DO = gpu.upload(dout),
      OUT = poisoned(gpu, count * dim);
    const parts = blocks.map(([first, rows]) => ({
      first,
      rows,
      T: gpu.upload(table.subarray(first * dim, (first + rows) * dim)),
      DT: poisoned(gpu, rows * dim),
    }));
    for (const { first, rows, T, DT } of parts) {
      embedding(gpu, T, I, OUT, count, dim, vocab, { first, rows });
      embeddingBackward(gpu, I, DO, DT, count, dim, vocab, { zero: true, first, rows });
    }
    expectClose('embedding in row blocks', await gpu.readF32(OUT, count * dim), embeddingRef(table, ids, dim), 0, seed);
    const dt = new Float32Array(vocab * dim);
    for (const { first, rows, DT } of parts) dt.set(await gpu.readF32(DT, rows * dim), first * dim);
    expectClose('embedding backward in row blocks', dt, embeddingBackwardRef(ids, dout, dim, vocab), TOLERANCE.f32Backward, seed);
    expect(() => embedding(gpu, parts[2]!.T, I, OUT, count, dim, vocab, { first: 18, rows: 6 })).toThrow(
      /embedding: row block \[18, 24\) is outside the vocabulary \[0, 23\)/,
    );
    [I, DO, OUT, ...parts.flatMap((p) => [p.T, p.DT])].forEach((b) => gpu.destroyBuffer(b));
  });

  it('the reference backward matches finite differences', () => {
    const r = rng(freshSeed());
    const ids = [2, 0, 2, 1];
    const w = randn(4 * 3, r);
    const analytic = embeddingBackwardRef(ids, w, 3, 4);
    expectClose(
      'embedding fd',
      analytic,
      finiteDifferences((t) => dot(embeddingRef(t, ids, 3), w), randn(12, r)),
      TOLERANCE.finiteDifference,
    );
  });
});

describe('wrong calls', () => {
  it('name the kernel and the argument', () => {
    const small = gpu.createBuffer(16),
      big = gpu.createBuffer(4096);
    expectKernelError(() => fill(gpu, small, 100, 0), /fill: buffer 'out' holds 16 bytes, needs 400/);
    expectKernelError(() => fill(gpu, big, -1, 0), /fill: 'n' must be an integer/);
    const p = { outer: 2, srcDim: 4, dstDim: 4, inner: 3, srcStart: 2, dstStart: 0, len: 3 };
    expectKernelError(() => copyAxisRange(gpu, big, small, p), /copy_axis_range: source range \[2, 5\) exceeds 'srcDim' 4/);
    expectKernelError(
      () => copyAxisRange(gpu, big, small, { ...p, srcStart: 0 }),
      /copy_axis_range: buffer 'dst' holds 16 bytes, needs 96/,
    );
    expectKernelError(() => copyAxisRange(gpu, big, big, { ...p, srcStart: 0 }), /copy_axis_range: 'dst' overlaps 'src'/);
    expect(() => copyAxisRange(gpu, { buffer: big, size: 256 }, { buffer: big, offset: 256 }, { ...p, srcStart: 0 })).not.toThrow();
    expectKernelError(() => permute(gpu, big, small, [2, 3], [0, 0]), /permute: 'perm' \[0, 0\] is not a permutation of 0\.\.1/);
    expectKernelError(() => permute(gpu, big, small, [1, 1, 1, 1, 1, 1, 1], [0, 1, 2, 3, 4, 5, 6]), /permute: 'shape' has rank 7/);
    expectKernelError(() => permute(gpu, big, small, [2, 3], [1]), /permute: 'perm' has 1 axes but 'shape' has 2/);
    expectKernelError(() => permute(gpu, big, small, [4, 5], [1, 0]), /permute: buffer 'y' holds 16 bytes, needs 80/);
    expectKernelError(() => embedding(gpu, small, big, big, 4, 8, 10), /embedding: buffer 'table' holds 16 bytes, needs 320/);
    expectKernelError(() => embedding(gpu, big, big, big, 4, 0, 10), /embedding: 'dim' must be an integer ≥ 1/);
    expectKernelError(
      () => embeddingBackward(gpu, big, big, small, 4, 8, 10, { zero: true }),
      /embedding_backward: buffer 'dtable' holds 16 bytes, needs 320/,
    );
    gpu.destroyBuffer(small);
    gpu.destroyBuffer(big);
  });
});
