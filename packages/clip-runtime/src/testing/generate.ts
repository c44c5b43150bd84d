// Shared helpers of the guided-generation tests: fixtures, and a directional-derivative gradient
// check (⟨∇f, v⟩ against a central difference of the GPU forward along v, as tensor/ops.test.ts).
import { expect } from 'vitest';
import { directionalDifference, dot } from '@clipgpu/kernels/testing';
import { bytesSource, noGrad, readHeader, readTensorF32, type Tensor } from '@clipgpu/clip-runtime';
import { mulberry32, randn } from '../generate/random.js';

import { FIXTURES } from './toy-model.js';

export { FIXTURES, TINY } from './toy-model.js';
export { relL2 } from '@clipgpu/kernels/testing';

export async function generateFixture() {
  const fs = await import('node:fs/promises');
  const src = bytesSource(new Uint8Array(await fs.readFile(`${FIXTURES}/generate_fixture.safetensors`)), 'generate_fixture.safetensors');
  const header = await readHeader(src);
  return {
    header,
    get: async (name: string) => ({ data: await readTensorF32(src, header, name), shape: header.tensors.get(name)!.shape }),
  };
}

/**
 * Checks the gradients of `loss` (a scalar built from `params`, deterministic: same value for the
 * same parameter values) along one random direction over all params. Leaves the params unchanged.
 */
export async function checkDirectional(
  name: string,
  params: Tensor[],
  loss: () => Tensor,
  opts: { eps?: number; tol?: number; seed?: number } = {},
) {
  const seed = opts.seed ?? 1;
  const eps = opts.eps ?? 1e-2;
  const values = (await Promise.all(params.map((p) => p.toArray()))) as Float32Array[];
  params.forEach((p) => p.zeroGrad());
  const l = loss();
  await l.backward();
  l.dispose();
  const grads = (await Promise.all(params.map((p) => p.grad!.toArray()))) as Float32Array[];
  params.forEach((p) => p.zeroGrad());
  const r = mulberry32(seed);
  const dirs = values.map((v) => randn(v.length, r));
  const analytic = grads.reduce((acc, g, i) => acc + dot(g, dirs[i]), 0);
  const numeric = await directionalDifference(async (step) => {
    params.forEach((p, i) =>
      p.rt.gpu.write(
        p.buffer,
        values[i].map((x, k) => x + step * dirs[i][k]),
      ),
    );
    const v = noGrad(loss);
    const x = await v.item();
    v.dispose();
    return x;
  }, eps);
  params.forEach((p, i) => p.rt.gpu.write(p.buffer, values[i]));
  const err = Math.abs(analytic - numeric) / Math.max(Math.abs(numeric), 1e-6);
  expect(err, `${name}: ⟨grad, v⟩ = ${analytic}, central difference ${numeric}`).toBeLessThan(opts.tol ?? 2e-3);
  return { analytic, numeric, err };
}
