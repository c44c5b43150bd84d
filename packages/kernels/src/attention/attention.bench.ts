// Attention benchmark on CLIP's towers, llm.c style: the fused forward and backward per tower at
// batch 1 (and 16 with --batch 16), each first checked against the float64 reference on a small
// shape of the same program (head dim, causal), then timed.
//
//   node scripts/run-ts.mjs packages/kernels/src/attention/attention.bench.ts [--match text] [--batch 1,16] [--runs N]
import { Gpu } from '../gpu.js';
import { type BenchCase, CLIP_TOWERS, expectClose, filled, option, poisoned, randn, rng, runBenchmark } from '../testing.js';
import { TOLERANCE } from '../tolerances.js';
import {
  attention,
  attentionBackward,
  attentionBackwardBytes,
  attentionBackwardFlops,
  attentionBytes,
  attentionFlops,
  type AttentionShape,
} from './attention.js';
import { attentionBackwardRef, attentionRef } from './attention.ref.js';

const argv = typeof process !== 'undefined' ? process.argv : [];
const gpu = await Gpu.create();
const count = (s: AttentionShape) => s.batch * s.heads * s.T * s.headDim;

/** Forward and backward of the shape's program (its head dim and mask) at T = 19, against the reference. */
async function check(shape: AttentionShape, what: string): Promise<void> {
  const s: AttentionShape = { ...shape, batch: 1, heads: 2, T: 19 };
  const n = count(s);
  const r = rng(3);
  const [q, k, v, dO] = [0, 1, 2, 3].map(() => randn(n, r));
  const [Q, K, V, DO] = [q, k, v, dO].map((x) => gpu.upload(x));
  const [O, DQ, DK, DV] = [0, 1, 2, 3].map(() => poisoned(gpu, n));
  const LSE = poisoned(gpu, s.heads * s.T);
  try {
    attention(gpu, Q, K, V, O, LSE, s);
    attentionBackward(gpu, { q: Q, k: K, v: V, o: O, lse: LSE, dO: DO, dq: DQ, dk: DK, dv: DV }, s);
    const ref = attentionRef(q, k, v, s);
    const grad = attentionBackwardRef(q, k, v, dO, s);
    expectClose(`${what} o`, await gpu.readF32(O, n), ref.o, TOLERANCE.f32);
    expectClose(`${what} dq`, await gpu.readF32(DQ, n), grad.dq, TOLERANCE.f32Backward);
    expectClose(`${what} dv`, await gpu.readF32(DV, n), grad.dv, TOLERANCE.f32Backward);
  } finally {
    [Q, K, V, DO, O, DQ, DK, DV, LSE].forEach((b) => gpu.destroyBuffer(b));
  }
}

function cases(shape: AttentionShape, name: string): BenchCase[] {
  const dims = `${shape.batch}×${shape.heads}×${shape.T}×${shape.headDim}${shape.causal ? ' causal' : ''}`;
  const setup = (backward: boolean) => () => {
    const n = count(shape);
    const [Q, K, V, DO] = [1, 2, 3, 4].map((seed) => gpu.upload(filled(n, seed, 1)));
    const [O, DQ, DK, DV] = [0, 1, 2, 3].map(() => gpu.createBuffer(n * 4));
    const LSE = gpu.createBuffer(shape.batch * shape.heads * shape.T * 4);
    attention(gpu, Q, K, V, O, LSE, shape); // the backward's saved o and lse
    return {
      launch: backward
        ? () => attentionBackward(gpu, { q: Q, k: K, v: V, o: O, lse: LSE, dO: DO, dq: DQ, dk: DK, dv: DV }, shape)
        : () => attention(gpu, Q, K, V, O, LSE, shape),
      out: backward ? DQ : O,
      free: () => [Q, K, V, DO, O, DQ, DK, DV, LSE].forEach((b) => gpu.destroyBuffer(b)),
    };
  };
  const shared = () => check(shape, name);
  return [
    {
      name: `${name} forward`,
      shape: dims,
      flops: attentionFlops(shape),
      bytes: attentionBytes(shape),
      check: shared,
      setup: setup(false),
    },
    {
      name: `${name} backward`,
      shape: dims,
      flops: attentionBackwardFlops(shape),
      bytes: attentionBackwardBytes(shape),
      check: shared,
      setup: setup(true),
    },
  ];
}

const all: BenchCase[] = [];
for (const batch of (option(argv, 'batch') ?? '1').split(',').map(Number))
  for (const t of CLIP_TOWERS)
    all.push(...cases({ batch, heads: t.heads, T: t.T, headDim: t.width / t.heads, causal: t.causal }, `${t.name} b${batch}`));
try {
  const napkin = 'attentionFlops/Bytes and their backward (attention.ts); the backward row is checked with the forward';
  console.log(`\n${await runBenchmark(gpu, 'fused attention, B×H×T×D', napkin, all, argv)}`);
} finally {
  gpu.destroy();
}
