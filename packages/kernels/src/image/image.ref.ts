// Plain float64 references for the image kernels, written from the conventions directly (dense
// per-axis matrices), not from the launchers' coefficient tables.
import type { ConvShape, ResizeBox, ResizeShape } from './image.js';

/** PIL's bicubic (a = −0.5) and triangle filters. */
function pilFilter(mode: ResizeShape['mode'], x: number): number {
  x = Math.abs(x);
  if (mode === 'bilinear') return x < 1 ? 1 - x : 0;
  const a = -0.5;
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

/** Keys' cubic convolution with a = −0.75 (PyTorch's upsample_bicubic2d). */
function torchCubic(x: number): number {
  const A = -0.75;
  x = Math.abs(x);
  if (x <= 1) return ((A + 2) * x - (A + 3)) * x * x + 1;
  if (x < 2) return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
  return 0;
}

/**
 * The resampling matrix of one axis, [outSize, inSize] row-major: output o = Σ_i M[o, i]·x[i], for
 * the crop [start, start + size) of an axis of inSize pixels.
 */
export function axisMatrixRef(
  inSize: number,
  start: number,
  size: number,
  outSize: number,
  mode: ResizeShape['mode'],
  antialias: boolean,
): Float64Array {
  const M = new Float64Array(outSize * inSize);
  if (antialias) {
    // Pillow precompute_coeffs: box bounds are C floats, the rest double
    const in0 = Math.fround(start);
    const scale = Math.fround(Math.fround(start + size) - in0) / outSize;
    const filterscale = Math.max(scale, 1);
    const support = (mode === 'bicubic' ? 2 : 1) * filterscale;
    for (let o = 0; o < outSize; o++) {
      const center = in0 + (o + 0.5) * scale;
      const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
      const xmax = Math.min(Math.trunc(center + support + 0.5), inSize);
      let ww = 0;
      for (let i = xmin; i < xmax; i++) ww += M[o * inSize + i] = pilFilter(mode, (i - center + 0.5) * (1 / filterscale));
      if (ww !== 0) for (let i = xmin; i < xmax; i++) M[o * inSize + i] /= ww;
    }
    return M;
  }
  // PyTorch, align_corners=False, no antialias; indices clamped to the border
  const scale = size / outSize;
  const at = (o: number, i: number, w: number) => (M[o * inSize + Math.min(Math.max(i, 0), inSize - 1)] += w);
  for (let o = 0; o < outSize; o++) {
    let src = start + (o + 0.5) * scale - 0.5;
    if (mode === 'bilinear') src = Math.max(src, 0);
    const x0 = Math.min(Math.floor(src), inSize - 1);
    const t = Math.min(Math.max(src - x0, 0), 1);
    if (mode === 'bilinear') {
      at(o, x0, 1 - t);
      at(o, x0 + 1, t);
    } else for (let j = -1; j <= 2; j++) at(o, x0 + j, torchCubic(j - t));
  }
  return M;
}

function boxesOf(s: ResizeShape): ResizeBox[] {
  return Array.from({ length: s.batch }, (_, b) =>
    s.boxes
      ? { x: s.boxes[4 * b], y: s.boxes[4 * b + 1], w: s.boxes[4 * b + 2], h: s.boxes[4 * b + 3] }
      : (s.box ?? { x: 0, y: 0, w: s.inW, h: s.inH }),
  );
}

/** The nonzero entries of each row of an [rows, cols] matrix, as [col, weight] pairs. */
function sparseRows(M: Float64Array, rows: number, cols: number): [number, number][][] {
  return Array.from({ length: rows }, (_, r) => {
    const out: [number, number][] = [];
    for (let c = 0; c < cols; c++) if (M[r * cols + c] !== 0) out.push([c, M[r * cols + c]]);
    return out;
  });
}

function axisPair(s: ResizeShape, box: ResizeBox) {
  return {
    h: sparseRows(axisMatrixRef(s.inW, box.x, box.w, s.outW, s.mode, !!s.antialias), s.outW, s.inW),
    v: sparseRows(axisMatrixRef(s.inH, box.y, box.h, s.outH, s.mode, !!s.antialias), s.outH, s.inH),
  };
}

/** y[b] = Mv_b · x[b or 0] · Mh_bᵀ per channel. */
export function resizeRef(x: ArrayLike<number>, s: ResizeShape): Float64Array {
  const { batch: B, channels: C, inH: IH, inW: IW, outH: OH, outW: OW } = s;
  const bcast = (s.inBatch ?? B) !== B;
  const y = new Float64Array(B * C * OH * OW);
  const tmp = new Float64Array(IH * OW);
  boxesOf(s).forEach((box, b) => {
    const { h, v } = axisPair(s, box);
    for (let c = 0; c < C; c++) {
      const xo = ((bcast ? 0 : b) * C + c) * IH * IW;
      const yo = (b * C + c) * OH * OW;
      for (let ih = 0; ih < IH; ih++)
        for (let ow = 0; ow < OW; ow++) {
          let acc = 0;
          for (const [iw, w] of h[ow]) acc += w * x[xo + ih * IW + iw];
          tmp[ih * OW + ow] = acc;
        }
      for (let oh = 0; oh < OH; oh++)
        for (const [ih, w] of v[oh]) for (let ow = 0; ow < OW; ow++) y[yo + oh * OW + ow] += w * tmp[ih * OW + ow];
    }
  });
  return y;
}

/** dx = Σ_b Mv_bᵀ · dy[b] · Mh_b (summed over the crops of a broadcast input). */
export function resizeBackwardRef(dy: ArrayLike<number>, s: ResizeShape): Float64Array {
  const { batch: B, channels: C, inH: IH, inW: IW, outH: OH, outW: OW } = s;
  const bcast = (s.inBatch ?? B) !== B;
  const dx = new Float64Array((bcast ? 1 : B) * C * IH * IW);
  const tmp = new Float64Array(IH * OW);
  boxesOf(s).forEach((box, b) => {
    const { h, v } = axisPair(s, box);
    for (let c = 0; c < C; c++) {
      const xo = ((bcast ? 0 : b) * C + c) * IH * IW;
      const yo = (b * C + c) * OH * OW;
      tmp.fill(0);
      for (let oh = 0; oh < OH; oh++)
        for (const [ih, w] of v[oh]) for (let ow = 0; ow < OW; ow++) tmp[ih * OW + ow] += w * dy[yo + oh * OW + ow];
      for (let ih = 0; ih < IH; ih++)
        for (let ow = 0; ow < OW; ow++) {
          const g = tmp[ih * OW + ow];
          for (const [iw, w] of h[ow]) dx[xo + ih * IW + iw] += w * g;
        }
    }
  });
  return dx;
}

function outSize(s: ConvShape): [number, number] {
  return [Math.floor((s.H + 2 * s.padding - s.kernel) / s.stride) + 1, Math.floor((s.W + 2 * s.padding - s.kernel) / s.stride) + 1];
}

/** cols[(b, oh, ow), (c, ky, kx)] = x[b, c, oh·stride − pad + ky, ow·stride − pad + kx] (0 outside). */
export function im2colRef(x: ArrayLike<number>, s: ConvShape): Float64Array {
  const [OH, OW] = outSize(s);
  const k = s.kernel;
  const ckk = s.channels * k * k;
  const cols = new Float64Array(s.batch * OH * OW * ckk);
  for (let b = 0; b < s.batch; b++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let c = 0; c < s.channels; c++)
          for (let ky = 0; ky < k; ky++)
            for (let kx = 0; kx < k; kx++) {
              const iy = oh * s.stride - s.padding + ky;
              const ix = ow * s.stride - s.padding + kx;
              if (iy < 0 || iy >= s.H || ix < 0 || ix >= s.W) continue;
              cols[((b * OH + oh) * OW + ow) * ckk + (c * k + ky) * k + kx] = x[((b * s.channels + c) * s.H + iy) * s.W + ix];
            }
  return cols;
}

/** The adjoint: scatter-add of every cols element back to its pixel. */
export function col2imRef(dcols: ArrayLike<number>, s: ConvShape): Float64Array {
  const [OH, OW] = outSize(s);
  const k = s.kernel;
  const ckk = s.channels * k * k;
  const dx = new Float64Array(s.batch * s.channels * s.H * s.W);
  for (let b = 0; b < s.batch; b++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let c = 0; c < s.channels; c++)
          for (let ky = 0; ky < k; ky++)
            for (let kx = 0; kx < k; kx++) {
              const iy = oh * s.stride - s.padding + ky;
              const ix = ow * s.stride - s.padding + kx;
              if (iy < 0 || iy >= s.H || ix < 0 || ix >= s.W) continue;
              dx[((b * s.channels + c) * s.H + iy) * s.W + ix] += dcols[((b * OH + oh) * OW + ow) * ckk + (c * k + ky) * k + kx];
            }
  return dx;
}
