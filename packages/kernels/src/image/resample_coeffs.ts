// Resampling weights for one axis, computed in float64 on the CPU and packed for resample_axis.wgsl.
// A `Band` maps `len` outputs to contiguous windows of the input: output o reads inputs
// start[o] .. start[o] + count[o] − 1 with weights w[o·K + k].
//
// Conventions (the reference image.ref.ts restates them independently):
// - antialias: Pillow's Image.resize (src/libImaging/Resample.c, precompute_coeffs), the same for
//   upscaling and downscaling: pixel centers at +0.5, the filter (bicubic a = −0.5, support 2;
//   bilinear = triangle, support 1) stretched by the downscale factor when shrinking, taps outside
//   the image dropped and the rest renormalized to sum 1. The box bounds are rounded to f32 like
//   PIL's `float box[4]`. This is also torch's F.interpolate(antialias=True).
// - no antialias: torch F.interpolate(mode, align_corners=False) without antialias: source
//   coordinate (o + 0.5)·scale − 0.5; bilinear clamps it at 0 and uses 2 taps, bicubic uses 4
//   taps of the a = −0.75 convolution kernel with indices clamped to the border (replicate).
//   With a crop box the coordinate is box.start + (o + 0.5)·box.size/out − 0.5.
import type { ResizeMode } from './image.js';

export interface Band {
  len: number;
  K: number;
  start: Int32Array;
  count: Int32Array;
  w: Float64Array;
}

function pilFilter(mode: ResizeMode): { f: (x: number) => number; support: number } {
  if (mode === 'bilinear') return { support: 1, f: (x) => (Math.abs(x) < 1 ? 1 - Math.abs(x) : 0) };
  const a = -0.5;
  return {
    support: 2,
    f: (x) => {
      x = Math.abs(x);
      if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
      if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
      return 0;
    },
  };
}

function fromTaps(taps: { start: number; w: number[] }[]): Band {
  const len = taps.length;
  const K = Math.max(1, ...taps.map((t) => t.w.length));
  const band: Band = { len, K, start: new Int32Array(len), count: new Int32Array(len), w: new Float64Array(len * K) };
  taps.forEach((t, o) => {
    band.start[o] = t.w.length ? t.start : 0;
    band.count[o] = t.w.length;
    band.w.set(t.w, o * K);
  });
  return band;
}

/** PIL: inputs [0, inSize), crop [x0, x1) in input pixels, outSize outputs. */
export function pilBand(inSize: number, x0: number, x1: number, outSize: number, mode: ResizeMode): Band {
  const { f, support: base } = pilFilter(mode);
  const in0 = Math.fround(x0);
  const scale = Math.fround(Math.fround(x1) - in0) / outSize;
  const filterscale = Math.max(scale, 1);
  const support = base * filterscale;
  const ss = 1 / filterscale;
  const taps = [];
  for (let o = 0; o < outSize; o++) {
    const center = in0 + (o + 0.5) * scale;
    const lo = Math.max(Math.trunc(center - support + 0.5), 0);
    const hi = Math.min(Math.trunc(center + support + 0.5), inSize);
    const w: number[] = [];
    for (let i = lo; i < hi; i++) w.push(f((i - center + 0.5) * ss));
    const sum = w.reduce((a, b) => a + b, 0);
    taps.push({ start: lo, w: sum !== 0 ? w.map((v) => v / sum) : w });
  }
  return fromTaps(taps);
}

const cubic1 = (x: number, A: number) => ((A + 2) * x - (A + 3)) * x * x + 1;
const cubic2 = (x: number, A: number) => ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;

/** PyTorch without antialias: inputs [0, inSize), crop starting at b0 of size bw, outSize outputs. */
export function torchBand(inSize: number, b0: number, bw: number, outSize: number, mode: ResizeMode): Band {
  const scale = bw / outSize;
  const taps = [];
  for (let o = 0; o < outSize; o++) {
    let src = b0 + (o + 0.5) * scale - 0.5;
    if (mode === 'bilinear') src = Math.max(src, 0);
    // guard_index_and_lambda: the index never passes the last pixel, the fraction stays in [0, 1]
    const x0 = Math.min(Math.floor(src), inSize - 1);
    const t = Math.min(Math.max(src - x0, 0), 1);
    const raw: [number, number][] =
      mode === 'bilinear'
        ? [
            [x0, 1 - t],
            [x0 + 1, t],
          ]
        : [
            [x0 - 1, cubic2(t + 1, -0.75)],
            [x0, cubic1(t, -0.75)],
            [x0 + 1, cubic1(1 - t, -0.75)],
            [x0 + 2, cubic2(2 - t, -0.75)],
          ];
    const clamp = (i: number) => Math.min(Math.max(i, 0), inSize - 1);
    const lo = clamp(raw[0][0]);
    const w = new Array<number>(clamp(raw[raw.length - 1][0]) - lo + 1).fill(0);
    for (const [i, v] of raw) w[clamp(i) - lo] += v;
    taps.push({ start: lo, w });
  }
  return fromTaps(taps);
}

/** The transposed band (inSize rows): row i lists the outputs whose windows contain input i. */
export function transposeBand(b: Band, inSize: number): Band {
  const first = new Int32Array(inSize).fill(-1);
  const last = new Int32Array(inSize).fill(-1);
  for (let o = 0; o < b.len; o++)
    for (let k = 0; k < b.count[o]; k++) {
      const i = b.start[o] + k;
      if (first[i] < 0) first[i] = o;
      last[i] = o;
    }
  const taps = [];
  for (let i = 0; i < inSize; i++) {
    const w = first[i] < 0 ? [] : new Array<number>(last[i] - first[i] + 1).fill(0);
    taps.push({ start: first[i], w });
  }
  for (let o = 0; o < b.len; o++)
    for (let k = 0; k < b.count[o]; k++) {
      const i = b.start[o] + k;
      taps[i].w[o - first[i]] += b.w[o * b.K + k];
    }
  return fromTaps(taps);
}

/** True when the band copies its input unchanged (same size, weight exactly 1 on the diagonal). */
export function isIdentity(b: Band, inSize: number): boolean {
  if (b.len !== inSize) return false;
  for (let o = 0; o < b.len; o++)
    for (let k = 0; k < b.count[o]; k++) if (b.w[o * b.K + k] !== (b.start[o] + k === o ? 1 : 0)) return false;
  for (let o = 0; o < b.len; o++) if (o < b.start[o] || o >= b.start[o] + b.count[o]) return false;
  return true;
}

/** Packs one band per coefficient group as resample_axis.wgsl reads them; `stride` words per output. */
export function packBands(bands: Band[]): { words: Uint32Array; stride: number } {
  const K = bands.reduce((m, b) => Math.max(m, b.K), 0); // no spread: a band per output pixel can be millions
  const stride = K + 2;
  const len = bands[0].len;
  const words = new Uint32Array(bands.length * len * stride);
  const floats = new Float32Array(words.buffer);
  bands.forEach((b, g) => {
    for (let o = 0; o < len; o++) {
      const e = (g * len + o) * stride;
      words[e] = b.start[o];
      words[e + 1] = b.count[o];
      for (let k = 0; k < b.count[o]; k++) floats[e + 2 + k] = b.w[o * b.K + k];
    }
  });
  return { words, stride };
}
