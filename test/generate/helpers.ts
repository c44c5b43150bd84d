// Shared helpers of the guided-generation tests: fixtures, and a directional-derivative gradient
// check (⟨∇f, v⟩ against a central difference of the GPU forward along v, as tensor/ops.test.ts).
import { expect } from 'vitest';
import { directionalDifference, dot } from '@clipgpu/kernels/testing';
import { bytesSource, noGrad, readHeader, readTensorF32, type Tensor } from '@clipgpu/clip-runtime';
import { mulberry32, placementFrame, randn, type DecoderWeights } from '../../packages/clip-runtime/src/generate/index.js';

import { FIXTURES } from '../helpers/toy-model.js';

export { FIXTURES, TINY } from '../helpers/toy-model.js';
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
export async function checkDirectional(name: string, params: Tensor[], loss: () => Tensor, opts: { eps?: number; tol?: number; seed?: number } = {}) {
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
    params.forEach((p, i) => p.rt.gpu.write(p.buffer, values[i].map((x, k) => x + step * dirs[i][k])));
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

/** Float64 forward of a decoder on the CPU. */
export function decoderReference(wts: DecoderWeights, z: Float32Array): Float64Array {
  const a = wts.architecture;
  const t = wts.tensors;
  const leaky = (v: number) => (v > 0 ? v : 0.2 * v);
  const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
  const affine = (v: ArrayLike<number>, name: string) =>
    Float64Array.from(t[`${name}.bias`].data, (b, o) => {
      let s = b;
      for (let k = 0; k < v.length; k++) s += t[`${name}.weight`].data[o * v.length + k] * v[k];
      return s;
    });
  const linear = (v: ArrayLike<number>, name: string) => affine(v, name).map(leaky);
  let h: ArrayLike<number> = z;
  for (let j = 0; j < (a.mapping?.length ?? 0); j++) h = linear(h, `mapping.${j}`);
  if (a.kind === 'pixel') {
    // one MLP per pixel on cat([x, y] (or in the image's frame), style), then cat([h, style]) at every layer
    const [H, W] = a.size;
    const out = new Float64Array(3 * H * W);
    for (let i = 0; i < H; i++)
      for (let j = 0; j < W; j++) {
        const [x, y] = [(2 * j + 1) / W - 1, (2 * i + 1) / H - 1];
        const f = a.frame ? placementFrame(affine(h, 'frame')) : [1, 0, 0, 1, 0, 0]; // u = [x, y, 1] · frame [3, 2]
        const [u, w] = [x * f[0] + y * f[2] + f[4], x * f[1] + y * f[3] + f[5]];
        const fourier = Array.from({ length: a.fourier ?? 0 }, (_, o) => [0, Math.PI / 2].flatMap((phase) => [u, w].map((c) => Math.sin(2 ** o * Math.PI * c + phase)))).flat();
        let v: ArrayLike<number> = [...(a.frame ? [u, w, u * u + w * w] : [u, w]), ...fourier];
        for (let l = 0; l < a.pixel.length; l++) v = linear([...Array.from(v), ...Array.from(h)], `pixel.${l}`);
        // composite: the coverage σ(α) blends the foreground (colours 0-2) over the background (3-5)
        const [cover, colors] = a.composite ? [sigmoid(affine(v, 'to_alpha')[0]!), affine(h, 'colors').map(sigmoid)] : [];
        const rgb = a.composite ? [0, 1, 2].map((k) => colors![k + 3]! + cover! * (colors![k]! - colors![k + 3]!)) : affine(v, 'to_rgb').map(sigmoid);
        rgb.forEach((c, k) => (out[k * H * W + i * W + j] = c));
      }
    return out;
  }
  let [C, H, W] = [a.channels[0], ...a.base_size];
  let x = linear(h, 'dense');
  // CoordConv: the pixel centre's x and y in (−1, 1) as two more input channels
  const withCoords = (inp: Float64Array, Ci: number): [Float64Array, number] => {
    if (!a.coords) return [inp, Ci];
    const out = new Float64Array((Ci + 2) * H * W);
    out.set(inp);
    for (let y = 0; y < H; y++)
      for (let xx = 0; xx < W; xx++) {
        out[(Ci * H + y) * W + xx] = (2 * xx + 1) / W - 1;
        out[((Ci + 1) * H + y) * W + xx] = (2 * y + 1) / H - 1;
      }
    return [out, Ci + 2];
  };
  const conv = (plain: Float64Array, C0: number, w: Float32Array, b: Float32Array, Co: number) => {
    const [inp, Ci] = withCoords(plain, C0);
    const out = new Float64Array(Co * H * W);
    for (let o = 0; o < Co; o++)
      for (let y = 0; y < H; y++)
        for (let xx = 0; xx < W; xx++) {
          let s = b[o];
          for (let c = 0; c < Ci; c++)
            for (let ky = 0; ky < 3; ky++)
              for (let kx = 0; kx < 3; kx++) {
                const [iy, ix] = [y + ky - 1, xx + kx - 1];
                if (iy >= 0 && iy < H && ix >= 0 && ix < W) s += w[((o * Ci + c) * 3 + ky) * 3 + kx] * inp[(c * H + iy) * W + ix];
              }
          out[(o * H + y) * W + xx] = s;
        }
    return out;
  };
  for (let i = 0; i + 1 < a.channels.length; i++) {
    const up = new Float64Array(C * 4 * H * W);
    for (let c = 0; c < C; c++) for (let y = 0; y < 2 * H; y++) for (let xx = 0; xx < 2 * W; xx++) up[(c * 2 * H + y) * 2 * W + xx] = x[(c * H + (y >> 1)) * W + (xx >> 1)];
    [H, W] = [2 * H, 2 * W];
    x = conv(up, C, t[`blocks.${i}.conv.weight`].data, t[`blocks.${i}.conv.bias`].data, a.channels[i + 1]).map(leaky);
    C = a.channels[i + 1];
  }
  return conv(x, C, t['to_rgb.weight'].data, t['to_rgb.bias'].data, 3).map(sigmoid);
}
