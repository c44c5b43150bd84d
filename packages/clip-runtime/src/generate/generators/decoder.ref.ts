// Float64 reference of the decoders (decoder.ts): the same function computed plainly on the CPU, to
// validate the GPU forward against.
import { placementFrame, type DecoderWeights } from './decoder-weights.js';

/** Float64 forward of a decoder on the CPU. */
export function decoderReference(wts: DecoderWeights, z: Float32Array, size?: readonly [number, number]): Float64Array {
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
    const [H, W] = size ?? a.size; // drawn at any size: the pixel centres span (−1, 1)
    const out = new Float64Array(3 * H * W);
    for (let i = 0; i < H; i++)
      for (let j = 0; j < W; j++) {
        const [x, y] = [(2 * j + 1) / W - 1, (2 * i + 1) / H - 1];
        const f = a.frame ? placementFrame(affine(h, 'frame')) : [1, 0, 0, 1, 0, 0]; // u = [x, y, 1] · frame [3, 2]
        const [u, w] = [x * f[0] + y * f[2] + f[4], x * f[1] + y * f[3] + f[5]];
        const fourier = Array.from({ length: a.fourier ?? 0 }, (_, o) =>
          [0, Math.PI / 2].flatMap((phase) => [u, w].map((c) => Math.sin(2 ** o * Math.PI * c + phase))),
        ).flat();
        let v: ArrayLike<number> = [...(a.frame ? [u, w, u * u + w * w] : [u, w]), ...fourier];
        for (let l = 0; l < a.pixel.length; l++) v = linear([...Array.from(v), ...Array.from(h)], `pixel.${l}`);
        // composite: the coverage σ(α) blends the foreground (colours 0-2) over the background (3-5)
        const [cover, colors] = a.composite ? [sigmoid(affine(v, 'to_alpha')[0]!), affine(h, 'colors').map(sigmoid)] : [];
        const rgb = a.composite
          ? [0, 1, 2].map((k) => colors![k + 3]! + cover! * (colors![k]! - colors![k + 3]!))
          : affine(v, 'to_rgb').map(sigmoid);
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
    for (let c = 0; c < C; c++)
      for (let y = 0; y < 2 * H; y++)
        for (let xx = 0; xx < 2 * W; xx++) up[(c * 2 * H + y) * 2 * W + xx] = x[(c * H + (y >> 1)) * W + (xx >> 1)];
    [H, W] = [2 * H, 2 * W];
    x = conv(up, C, t[`blocks.${i}.conv.weight`].data, t[`blocks.${i}.conv.bias`].data, a.channels[i + 1]).map(leaky);
    C = a.channels[i + 1];
  }
  return conv(x, C, t['to_rgb.weight'].data, t['to_rgb.bias'].data, 3).map(sigmoid);
}
