// Autograd wiring of every op: the gradient's directional derivative ⟨∇f, v⟩ against a central
// difference of the GPU forward along v, for f = Σ w ∘ op(inputs) with random w. Each kernel's own
// accuracy is tested beside the kernel; this checks that the ops route gradients correctly.
import { describe, expect, it } from 'vitest';
import { directionalDifference, dot, freshSeed, randn, rng, unitDirection } from '@clipgpu/kernels/testing';
import { init, noGrad, ops, Tensor, tidy } from './index.js';

const rt = await init();

type Build = (xs: Tensor[]) => Tensor;

async function checkGradients(
  name: string,
  shapes: number[][],
  build: Build,
  opts: { eps?: number; tol?: number; positive?: boolean } = {},
) {
  const seed = freshSeed();
  const r = rng(seed);
  const values = shapes.map((s) => {
    const v = randn(
      s.reduce((a, b) => a * b, 1),
      r,
    );
    return opts.positive ? v.map((x) => Math.abs(x) + 0.5) : v;
  });
  const inputs = values.map((v, i) => Tensor.from(v, shapes[i], { requiresGrad: true }));
  const out = build(inputs);
  const w = Tensor.from(randn(out.size, r), out.shape);
  const loss = ops.sum(ops.mul(out, w));
  await loss.backward();
  const eps = opts.eps ?? 1e-2;
  for (let i = 0; i < inputs.length; i++) {
    // A unit direction, so eps is the real step length: with a raw randn direction the step grows
    // with √n and the central difference's O(step²) truncation error with it.
    const dir = unitDirection(values[i].length, r);
    const analytic = dot((await inputs[i].grad!.toArray()) as Float32Array, dir);
    const numeric = await directionalDifference(async (step) => {
      const shifted = Tensor.from(
        values[i].map((x, k) => x + step * dir[k]),
        shapes[i],
      );
      const args = inputs.map((t, j) => (j === i ? shifted : t));
      const value = noGrad(() => tidy(() => ops.sum(ops.mul(build(args), w))));
      shifted.dispose();
      const v = await value.item();
      value.dispose();
      return v;
    }, eps);
    const err = Math.abs(analytic - numeric) / Math.max(1, Math.abs(numeric));
    expect(err, `${name}: input ${i} ⟨grad, v⟩ = ${analytic}, finite difference ${numeric} (seed ${seed})`).toBeLessThan(opts.tol ?? 2e-3);
  }
  [...inputs, w, out, loss].forEach((t) => t.dispose());
}

describe('autograd through each op', () => {
  it('elementwise with broadcasting', async () => {
    await checkGradients('add bias', [[4, 5], [5]], ([a, b]) => ops.add(a, b));
    await checkGradients('add commuted', [[5], [3, 5]], ([a, b]) => ops.add(a, b));
    await checkGradients(
      'sub rows',
      [
        [4, 6],
        [4, 1],
      ],
      ([a, b]) => ops.sub(a, b),
    );
    await checkGradients(
      'mul',
      [
        [2, 3, 4],
        [3, 4],
      ],
      ([a, b]) => ops.mul(a, b),
    );
    await checkGradients(
      'div',
      [
        [3, 4],
        [3, 1],
      ],
      ([a, b]) => ops.div(a, b),
      { positive: true },
    );
    for (const op of ['gelu', 'quickGelu', 'sigmoid', 'tanh', 'sin', 'exp'] as const)
      await checkGradients(op, [[17]], ([x]) => ops.unary(op, x));
    await checkGradients('scale', [[9]], ([x]) => ops.scale(x, -0.7, 0.2));
  });

  it('matmul and linear', async () => {
    await checkGradients(
      'matmul batched',
      [
        [2, 3, 4],
        [2, 4, 5],
      ],
      ([a, b]) => ops.matmul(a, b),
    );
    await checkGradients(
      'matmul transB shared',
      [
        [2, 3, 4],
        [5, 4],
      ],
      ([a, b]) => ops.matmul(a, b, { transB: true }),
    );
    await checkGradients(
      'matmul transA',
      [
        [4, 3],
        [4, 6],
      ],
      ([a, b]) => ops.matmul(a, b, { transA: true }),
    );
    await checkGradients('linear gelu residual', [[2, 3, 8], [6, 8], [6], [2, 3, 6]], ([x, w, b, r]) =>
      ops.linear(x, w, b, { activation: 'gelu', residual: r }),
    );
    await checkGradients('linear quickGelu', [[5, 7], [3, 7], [3]], ([x, w, b]) => ops.linear(x, w, b, { activation: 'quickGelu' }));
  });

  it('normalisation, attention, softmax', async () => {
    await checkGradients('layerNorm', [[3, 10], [10], [10]], ([x, g, b]) => ops.layerNorm(x, g, b, 1e-5));
    await checkGradients(
      'attention causal',
      [
        [2, 5, 8],
        [2, 5, 8],
        [2, 5, 8],
      ],
      ([q, k, v]) => ops.attention(q, k, v, { heads: 2, causal: true }),
    );
    await checkGradients(
      'attention',
      [
        [1, 7, 12],
        [1, 7, 12],
        [1, 7, 12],
      ],
      ([q, k, v]) => ops.attention(q, k, v, { heads: 3 }),
    );
    await checkGradients('softmax', [[4, 9]], ([x]) => ops.softmax(x));
    await checkGradients('logSoftmax', [[4, 9]], ([x]) => ops.logSoftmax(x));
  });

  it('reductions', async () => {
    await checkGradients('sum', [[3, 7]], ([x]) => ops.sum(x));
    await checkGradients('mean', [[3, 7]], ([x]) => ops.mean(x));
    for (const op of ['sum', 'mean', 'l2norm', 'logsumexp'] as const)
      await checkGradients(op, [[4, 6]], ([x]) => ops.reduceLastAxis(op, x));
    await checkGradients('normalize', [[3, 5]], ([x]) => ops.normalize(x));
    await checkGradients(
      'cosineSimilarity',
      [
        [3, 5],
        [3, 5],
      ],
      ([a, b]) => ops.cosineSimilarity(a, b),
    );
  });

  it('shape ops', async () => {
    await checkGradients('reshape', [[2, 6]], ([x]) => ops.reshape(x, [3, 4]));
    await checkGradients('permute', [[2, 3, 4]], ([x]) => ops.permute(x, [2, 0, 1]));
    await checkGradients('slice', [[3, 7, 2]], ([x]) => ops.slice(x, 1, 2, 5));
    await checkGradients(
      'concat',
      [
        [2, 3],
        [2, 4],
      ],
      ([a, b]) => ops.concat([a, b], 1),
    );
    const ids = Tensor.from(Int32Array.from([3, 0, 3, 1]), [2, 2]);
    await checkGradients('embedding', [[5, 3]], ([table]) => ops.embedding(table, ids, [3, 0, 3, 1]));
    ids.dispose();
  });

  it('image ops', async () => {
    await checkGradients('resize bicubic', [[1, 3, 9, 7]], ([x]) => ops.resize(x, 5, 6, { mode: 'bicubic', antialias: true }));
    await checkGradients('resize cutouts', [[1, 2, 8, 8]], ([x]) => ops.resize(x, 4, 4, { boxes: [0, 0, 8, 8, 1.5, 2, 4, 4] }));
    await checkGradients('conv2d 3×3', [[2, 3, 6, 5], [4, 3, 3, 3], [4]], ([x, w, b]) => ops.conv2d(x, w, b, { padding: 1 }));
    await checkGradients(
      'conv2d 3×3 stride 2, no bias',
      [
        [2, 5, 7, 6],
        [3, 5, 3, 3],
      ],
      ([x, w]) => ops.conv2d(x, w, undefined, { stride: 2, padding: 1 }),
    );
    await checkGradients('conv2d 5×5 pad 2', [[1, 2, 6, 6], [3, 2, 5, 5], [3]], ([x, w, b]) => ops.conv2d(x, w, b, { padding: 2 }));
    await checkGradients(
      'conv2d patches',
      [
        [1, 3, 8, 8],
        [5, 3, 4, 4],
      ],
      ([x, w]) => ops.conv2d(x, w, undefined, { stride: 4, channelsLast: true }),
    );
  });
});

describe('tensors', () => {
  it('round-trips f32, i32 and f16 data', async () => {
    const f = Tensor.from([1.5, -2, 3], [3]);
    const i = Tensor.from(Int32Array.from([7, -8]), [2]);
    const h = Tensor.from(Uint16Array.from([0x3c00, 0xc000, 0x3800]), [3]);
    expect([...(await f.toArray())]).toEqual([1.5, -2, 3]);
    expect([...(await i.toArray())]).toEqual([7, -8]);
    expect([...(await h.toArray())]).toEqual([1, -2, 0.5]);
    expect(i.dtype).toBe('i32');
    [f, i, h].forEach((t) => t.dispose());
  });

  it('rejects bad shapes and data with clear errors', () => {
    expect(() => Tensor.from([1, 2, 3], [2, 2])).toThrow(/3 values do not fill shape \[2, 2\]/);
    const a = Tensor.from(new Float32Array(6), [2, 3]);
    const b = Tensor.from(new Float32Array(8), [2, 4]);
    expect(() => ops.add(a, b)).toThrow(/add: shapes \[2, 3\] and \[2, 4\] do not broadcast/);
    expect(() => ops.matmul(a, b)).toThrow(/matmul: inner dimensions differ/);
    expect(() => ops.reshape(a, [4, 2])).toThrow(/cannot view 6 elements as \[4, 2\]/);
    a.dispose();
    expect(() => ops.scale(a, 2)).toThrow(/was disposed/);
    b.dispose();
  });

  it('frees saved activations after backward and reuses pooled memory', async () => {
    const x = Tensor.from(randn(64, rng(1)), [8, 8], { requiresGrad: true });
    const w = Tensor.from(randn(64, rng(2)), [8, 8]);
    const step = async () => {
      const loss = tidy(() => ops.sum(ops.gelu(ops.linear(ops.tanh(x), w))));
      await loss.backward();
      loss.dispose();
      x.zeroGrad();
    };
    await step();
    const before = rt.stats();
    for (let i = 0; i < 20; i++) await step();
    const after = rt.stats();
    expect(after.allocatedBytes).toBe(before.allocatedBytes);
    expect(after.inUseBytes).toBe(before.inUseBytes);
    expect(after.liveTensors).toBe(before.liveTensors);
    x.dispose();
    w.dispose();
  });

  it('noGrad records nothing; backward without a graph is an error', async () => {
    const x = Tensor.from([1, 2], [2], { requiresGrad: true });
    const y = noGrad(() => ops.sum(ops.mul(x, x)));
    expect(y.requiresGrad).toBe(false);
    await expect(y.backward()).rejects.toThrow(/does not require grad/);
    [x, y].forEach((t) => t.dispose());
  });
});
