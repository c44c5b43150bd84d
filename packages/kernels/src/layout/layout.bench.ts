// Layout benchmark, llm.c style: the permute that splits heads ([T, 3, heads, D] qkv → [3, heads,
// T, D]) and the token embedding of the text tower (77 ids into a 49408×512 table), per tower at
// batch 1 (--batch 16 too), each first checked against the float64 reference on a small input.
// Napkin math: every element read and written once (8 bytes), no FLOPs: memory-bound.
//
//   node scripts/run-ts.mjs packages/kernels/src/layout/layout.bench.ts [--match text] [--batch 1,16] [--runs N]
import { Gpu } from '../gpu.js';
import { type BenchCase, CLIP_TOWERS, expectClose, filled, option, poisoned, randn, rng, runBenchmark } from '../testing.js';
import { embedding, permute } from './layout.js';
import { embeddingRef, permuteRef } from './layout.ref.js';

const argv = typeof process !== 'undefined' ? process.argv : [];
const gpu = await Gpu.create();
const QKV_PERM = [1, 2, 0, 3];

async function checkPermute(): Promise<void> {
  const shape = [5, 3, 2, 8];
  const x = randn(240, rng(17));
  const [X, Y] = [gpu.upload(x), poisoned(gpu, 240)];
  try {
    permute(gpu, X, Y, shape, QKV_PERM);
    expectClose('permute', await gpu.readF32(Y, 240), permuteRef(x, shape, QKV_PERM), 0);
  } finally {
    [X, Y].forEach((b) => gpu.destroyBuffer(b));
  }
}

async function checkEmbedding(): Promise<void> {
  const [vocab, dim] = [50, 8];
  const table = randn(vocab * dim, rng(19));
  const ids = Int32Array.from([3, 0, 49, 7, 7]);
  const [T, I, O] = [gpu.upload(table), gpu.upload(ids), poisoned(gpu, ids.length * dim)];
  try {
    embedding(gpu, T, I, O, ids.length, dim, vocab);
    expectClose('embedding', await gpu.readF32(O, ids.length * dim), embeddingRef(table, ids, dim), 0);
  } finally {
    [T, I, O].forEach((b) => gpu.destroyBuffer(b));
  }
}

const all: BenchCase[] = [];
for (const batch of (option(argv, 'batch') ?? '1').split(',').map(Number)) {
  for (const t of CLIP_TOWERS) {
    const shape = [batch * t.T, 3, t.heads, t.width / t.heads];
    const n = shape.reduce((a, b) => a * b);
    all.push({
      name: `${t.name} b${batch} qkv heads permute`,
      shape: shape.join('×'),
      flops: 0,
      bytes: 8 * n,
      check: checkPermute,
      setup: () => {
        const [X, Y] = [gpu.upload(filled(n, 1)), gpu.createBuffer(n * 4)];
        return { launch: () => permute(gpu, X, Y, shape, QKV_PERM), out: Y, free: () => [X, Y].forEach((b) => gpu.destroyBuffer(b)) };
      },
    });
  }
  const [count, dim, vocab] = [batch * 77, 512, 49408];
  all.push({
    name: `text b${batch} token embedding`,
    shape: `${count} of ${vocab}×${dim}`,
    flops: 0,
    bytes: 8 * count * dim + 4 * count,
    check: checkEmbedding,
    setup: () => {
      const table = gpu.upload(filled(vocab * dim, 2));
      const ids = gpu.upload(Int32Array.from({ length: count }, (_, i) => (i * 7919) % vocab));
      const out = gpu.createBuffer(count * dim * 4);
      return {
        launch: () => embedding(gpu, table, ids, out, count, dim, vocab),
        out,
        free: () => [table, ids, out].forEach((b) => gpu.destroyBuffer(b)),
      };
    },
  });
}
try {
  console.log(`\n${await runBenchmark(gpu, 'layout', 'bytes: every element read and written once; memory-bound', all, argv)}`);
} finally {
  gpu.destroy();
}
