// Launchers for NCHW f32 image ops: resize (PIL-exact antialiased or PyTorch-style, with optional
// crop boxes: CLIP preprocessing and CLIP-guided cutouts) with its backward, and im2col / col2im
// for convolutions (the patch embedding) as a matmul.
//
// Napkin math:
//   resize           two 1-D passes, 2·K FLOPs per output of each, K ≈ 2·support·max(1, in/out) + 1
//                    taps (bicubic shrink 300→224: K ≈ 7); bytes ≈ 4·(input + 2·intermediate + output)
//                    plus the coefficient tables (uploaded once per shape and crop boxes, cached)
//   resizeBackward   the same with the transposed bands, plus a sum over the crops when broadcast
//   im2col           0 FLOPs, 4·(B·OH·OW·C·k²) bytes written, reads mostly cached (k²/stride² reuse)
//   col2im           B·C·H·W·⌈k/stride⌉² adds, reads the cols once
import type { BufferArg, Gpu } from '../gpu.js';
import { grid, KernelError, Program } from '../program.js';
import col2imSource from './col2im.wgsl';
import im2colSource from './im2col.wgsl';
import { isIdentity, packBands, pilBand, torchBand, transposeBand, type Band } from './resample_coeffs.js';
import resampleSource from './resample_axis.wgsl';

const programs = {
  resize: new Program('resize', resampleSource),
  resizeBackward: new Program('resize_backward', resampleSource),
  im2col: new Program('im2col', im2colSource),
  col2im: new Program('col2im', col2imSource),
};

/**
 * 'bicubic' / 'bilinear'. With antialias: Pillow's resampling exactly (bicubic a = −0.5, filter
 * support scaled by the downscale factor, normalized weights, pixel centers at +0.5, taps outside
 * the image dropped and renormalized), for upscaling too — CLIP's preprocessing. Without: PyTorch's
 * F.interpolate(align_corners=False, antialias=False): bilinear clamps the source coordinate at
 * the border, bicubic is the a = −0.75 kernel with border-replicate indices. See resample_coeffs.ts.
 */
export type ResizeMode = 'bilinear' | 'bicubic';
export interface ResizeBox {
  /** left and top edges in input pixels (may be fractional, may lie outside the image) */
  x: number;
  y: number;
  /** width and height in input pixels, > 0 */
  w: number;
  h: number;
}
export interface ResizeShape {
  /** batch of the output (the number of crops when one image is broadcast) */
  batch: number;
  channels: number;
  inH: number;
  inW: number;
  outH: number;
  outW: number;
  mode: ResizeMode;
  /** PIL semantics (default false: PyTorch's non-antialiased interpolate) */
  antialias?: boolean;
  /** one source crop for every item, resized to outH × outW (default: the whole image) */
  box?: ResizeBox;
  /** a crop per output item: [x, y, w, h] × batch (cutouts); excludes `box` */
  boxes?: ArrayLike<number>;
  /** batch of the input: `batch` (default) or 1, broadcast to every output item */
  inBatch?: number;
}

interface Resolved {
  B: number;
  Bx: number;
  C: number;
  IH: number;
  IW: number;
  OH: number;
  OW: number;
  boxes: ResizeBox[];
}

function bytesOf(a: BufferArg): number {
  return 'buffer' in a ? (a.size ?? a.buffer.size - (a.offset ?? 0)) : a.size;
}

function checkBytes(kernel: string, name: string, a: BufferArg, need: number): void {
  if (bytesOf(a) < need) throw new KernelError(kernel, `buffer '${name}' holds ${bytesOf(a)} bytes, needs ${need}`);
}

/** WebGPU forbids a writable binding that overlaps another binding of the same dispatch. */
function checkNoOverlap(kernel: string, a: BufferArg, aName: string, b: BufferArg, bName: string): void {
  const span = (v: BufferArg) => ('buffer' in v ? { buf: v.buffer, lo: v.offset ?? 0 } : { buf: v, lo: 0 });
  const [p, q] = [span(a), span(b)];
  if (p.buf === q.buf && p.lo < q.lo + bytesOf(b) && q.lo < p.lo + bytesOf(a))
    throw new KernelError(kernel, `'${bName}' overlaps '${aName}'; ${kernel} cannot run in place`);
}

function resolve(kernel: string, s: ResizeShape): Resolved {
  for (const k of ['batch', 'channels', 'inH', 'inW', 'outH', 'outW'] as const)
    if (!Number.isInteger(s[k]) || s[k] < 1) throw new KernelError(kernel, `'${k}' must be an integer ≥ 1, got ${s[k]}`);
  if (s.mode !== 'bilinear' && s.mode !== 'bicubic') throw new KernelError(kernel, `unknown 'mode' '${s.mode}' (bilinear or bicubic)`);
  const Bx = s.inBatch ?? s.batch;
  if (Bx !== s.batch && Bx !== 1) throw new KernelError(kernel, `'inBatch' must be 1 or 'batch' (${s.batch}), got ${Bx}`);
  if (s.box && s.boxes) throw new KernelError(kernel, `give 'box' or 'boxes', not both`);
  let boxes: ResizeBox[] = [s.box ?? { x: 0, y: 0, w: s.inW, h: s.inH }];
  if (s.boxes) {
    if (s.boxes.length !== 4 * s.batch)
      throw new KernelError(kernel, `'boxes' must hold 4 numbers per output item (${4 * s.batch}), got ${s.boxes.length}`);
    const b = Array.from(s.boxes);
    boxes = Array.from({ length: s.batch }, (_, i) => ({ x: b[4 * i], y: b[4 * i + 1], w: b[4 * i + 2], h: b[4 * i + 3] }));
  }
  boxes.forEach((b, i) => {
    const name = s.boxes ? `boxes[${i}]` : 'box';
    if (![b.x, b.y, b.w, b.h].every(Number.isFinite) || !(b.w > 0 && b.h > 0))
      throw new KernelError(kernel, `'${name}' must be finite with w, h > 0, got ${JSON.stringify(b)}`);
  });
  return { B: s.batch, Bx, C: s.channels, IH: s.inH, IW: s.inW, OH: s.outH, OW: s.outW, boxes };
}

// ---- coefficient tables: built on the CPU, uploaded, kept per Gpu for the last few shapes -------

interface Table {
  buffer: GPUBuffer;
  stride: number;
  identity: boolean;
}
interface Tables {
  h: Table;
  v: Table;
}
const CACHE_ENTRIES = 8;
const caches = new WeakMap<Gpu, Map<string, Tables>>();

function tables(gpu: Gpu, s: ResizeShape, r: Resolved, backward: boolean): Tables {
  const aa = !!s.antialias;
  const key = JSON.stringify([backward, s.mode, aa, r.IH, r.IW, r.OH, r.OW, r.boxes.map((b) => [b.x, b.y, b.w, b.h])]);
  let cache = caches.get(gpu);
  if (!cache) caches.set(gpu, (cache = new Map()));
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key); // most recently used last
    cache.set(key, hit);
    return hit;
  }
  const band = (inSize: number, start: number, size: number, outSize: number): Band => {
    const b = aa ? pilBand(inSize, start, start + size, outSize, s.mode) : torchBand(inSize, start, size, outSize, s.mode);
    return backward ? transposeBand(b, inSize) : b;
  };
  const make = (bands: Band[], inSize: number, label: string): Table => {
    const { words, stride } = packBands(bands);
    const identity = bands.every((b) => isIdentity(b, inSize));
    return { buffer: gpu.upload(words, label), stride, identity };
  };
  // forward bands map the input axis to the output axis; backward ones the output axis to the input
  const t: Tables = {
    h: make(
      r.boxes.map((b) => band(r.IW, b.x, b.w, r.OW)),
      backward ? r.OW : r.IW,
      'resize coefficients (x)',
    ),
    v: make(
      r.boxes.map((b) => band(r.IH, b.y, b.h, r.OH)),
      backward ? r.OH : r.IH,
      'resize coefficients (y)',
    ),
  };
  cache.set(key, t);
  if (cache.size > CACHE_ENTRIES) {
    const [oldest, old] = cache.entries().next().value as [string, Tables];
    cache.delete(oldest);
    gpu.destroyBuffer(old.h.buffer);
    gpu.destroyBuffer(old.v.buffer);
  }
  return t;
}

/** Frees the coefficient tables cached for `gpu` (they are rebuilt on the next call). */
export function clearResizeCache(gpu: Gpu): void {
  for (const t of caches.get(gpu)?.values() ?? []) {
    gpu.destroyBuffer(t.h.buffer);
    gpu.destroyBuffer(t.v.buffer);
  }
  caches.delete(gpu);
}

interface Pass {
  /** batch items of the output, channels, and the view [outer, lenIn → lenOut, inner] */
  bo: number;
  outer: number;
  lenIn: number;
  lenOut: number;
  inner: number;
  /** source batch items summed per output item (crops summed into one input gradient) */
  sum: number;
  /** elements per source batch item; 0 broadcasts one source item */
  xBatch: number;
  table: Table;
  groups: number;
}

function runPass(gpu: Gpu, program: Program, x: BufferArg, y: BufferArg, C: number, p: Pass): void {
  const n = p.bo * C * p.outer * p.lenOut * p.inner;
  gpu.run(program, {
    buffers: { x, coef: p.table.buffer, y },
    uniforms: {
      n,
      channels: C,
      outer: p.outer,
      len_in: p.lenIn,
      len_out: p.lenOut,
      inner: p.inner,
      sum_count: p.sum,
      x_bstride: p.xBatch,
      g_step: p.groups > 1 ? 1 : 0,
      stride: p.table.stride,
    },
    workgroups: grid(n, 256),
  });
}

function scratchFor(gpu: Gpu, kernel: string, elems: number, scratch?: BufferArg): BufferArg {
  if (!scratch) return gpu.createBuffer(elems * 4, `${kernel} scratch`);
  checkBytes(kernel, 'scratch', scratch, elems * 4);
  return scratch;
}

function checkScratch(kernel: string, scratch: BufferArg | undefined, others: [BufferArg, string][]): void {
  if (scratch) for (const [b, name] of others) checkNoOverlap(kernel, b, name, scratch, 'scratch');
}

/**
 * y [batch, C, outH, outW] = x [inBatch, C, inH, inW] resized (each item's crop, if given), as two
 * separable passes through a scratch buffer of batch·C·min(inH·outW, outH·inW) floats (allocated
 * here unless given; an axis whose size and crop are unchanged is skipped). x and y must not overlap.
 */
export function resize(gpu: Gpu, x: BufferArg, y: BufferArg, s: ResizeShape, scratch?: BufferArg): void {
  const k = 'resize';
  const r = resolve(k, s);
  const { B, Bx, C, IH, IW, OH, OW } = r;
  checkBytes(k, 'x', x, Bx * C * IH * IW * 4);
  checkBytes(k, 'y', y, B * C * OH * OW * 4);
  checkNoOverlap(k, x, 'x', y, 'y');
  checkScratch(k, scratch, [
    [x, 'x'],
    [y, 'y'],
  ]);
  const t = tables(gpu, s, r, false);
  const G = r.boxes.length;
  const xItem = Bx === B ? C * IH * IW : 0;
  const horizontal = (src: BufferArg, dst: BufferArg, rows: number, xBatch: number) =>
    runPass(gpu, programs.resize, src, dst, C, {
      bo: B,
      outer: rows,
      lenIn: IW,
      lenOut: OW,
      inner: 1,
      sum: 1,
      xBatch,
      table: t.h,
      groups: G,
    });
  const vertical = (src: BufferArg, dst: BufferArg, width: number, xBatch: number) =>
    runPass(gpu, programs.resize, src, dst, C, {
      bo: B,
      outer: 1,
      lenIn: IH,
      lenOut: OH,
      inner: width,
      sum: 1,
      xBatch,
      table: t.v,
      groups: G,
    });
  if (t.v.identity) horizontal(x, y, IH, xItem);
  else if (t.h.identity) vertical(x, y, IW, xItem);
  else if (IH * OW <= OH * IW) {
    // horizontal first (PIL's order) when its intermediate [B, C, inH, outW] is the smaller one
    const tmp = scratchFor(gpu, k, B * C * IH * OW, scratch);
    horizontal(x, tmp, IH, xItem);
    vertical(tmp, y, OW, C * IH * OW);
    if (!scratch) gpu.destroyBuffer(tmp as GPUBuffer);
  } else {
    const tmp = scratchFor(gpu, k, B * C * OH * IW, scratch);
    vertical(x, tmp, IW, xItem);
    horizontal(tmp, y, OH, C * OH * IW);
    if (!scratch) gpu.destroyBuffer(tmp as GPUBuffer);
  }
}

/**
 * dx [inBatch, C, inH, inW] = resizeᵀ(dy [batch, C, outH, outW]), overwritten: a gather (each input
 * position sums the outputs whose windows contain it, in a fixed order), summed over the crops when
 * one input was broadcast. Deterministic. Scratch as for resize().
 */
export function resizeBackward(gpu: Gpu, dy: BufferArg, dx: BufferArg, s: ResizeShape, scratch?: BufferArg): void {
  const k = 'resize_backward';
  const r = resolve(k, s);
  const { B, Bx, C, IH, IW, OH, OW } = r;
  checkBytes(k, 'dy', dy, B * C * OH * OW * 4);
  checkBytes(k, 'dx', dx, Bx * C * IH * IW * 4);
  checkNoOverlap(k, dy, 'dy', dx, 'dx');
  checkScratch(k, scratch, [
    [dy, 'dy'],
    [dx, 'dx'],
  ]);
  const t = tables(gpu, s, r, true);
  const G = r.boxes.length;
  const S = B / Bx;
  // the last pass writes dx, summing S crops per input item
  const horizontal = (src: BufferArg, dst: BufferArg, rows: number, xBatch: number, last: boolean) =>
    runPass(gpu, programs.resizeBackward, src, dst, C, {
      bo: last ? Bx : B,
      outer: rows,
      lenIn: OW,
      lenOut: IW,
      inner: 1,
      sum: last ? S : 1,
      xBatch,
      table: t.h,
      groups: G,
    });
  const vertical = (src: BufferArg, dst: BufferArg, width: number, xBatch: number, last: boolean) =>
    runPass(gpu, programs.resizeBackward, src, dst, C, {
      bo: last ? Bx : B,
      outer: 1,
      lenIn: OH,
      lenOut: IH,
      inner: width,
      sum: last ? S : 1,
      xBatch,
      table: t.v,
      groups: G,
    });
  if (t.v.identity) horizontal(dy, dx, OH, C * OH * OW, true);
  else if (t.h.identity) vertical(dy, dx, OW, C * OH * OW, true);
  else if (OH * IW <= IH * OW) {
    const tmp = scratchFor(gpu, k, B * C * OH * IW, scratch);
    horizontal(dy, tmp, OH, C * OH * OW, false);
    vertical(tmp, dx, IW, C * OH * IW, true);
    if (!scratch) gpu.destroyBuffer(tmp as GPUBuffer);
  } else {
    const tmp = scratchFor(gpu, k, B * C * IH * OW, scratch);
    vertical(dy, tmp, OW, C * OH * OW, false);
    horizontal(tmp, dx, IH, C * IH * OW, true);
    if (!scratch) gpu.destroyBuffer(tmp as GPUBuffer);
  }
}

// ---- im2col / col2im ---------------------------------------------------------------------------

export interface ConvShape {
  batch: number;
  channels: number;
  H: number;
  W: number;
  kernel: number;
  stride: number;
  padding: number;
}

/** Output size of a k×k convolution: ⌊(H + 2·padding − k) / stride⌋ + 1 (and the same for W). */
export function convOutputSize(s: ConvShape, kernel = 'conv_output_size'): { outH: number; outW: number } {
  for (const [k, min] of [
    ['batch', 1],
    ['channels', 1],
    ['H', 1],
    ['W', 1],
    ['kernel', 1],
    ['stride', 1],
    ['padding', 0],
  ] as const)
    if (!Number.isInteger(s[k]) || s[k] < min) throw new KernelError(kernel, `'${k}' must be an integer ≥ ${min}, got ${s[k]}`);
  const outH = Math.floor((s.H + 2 * s.padding - s.kernel) / s.stride) + 1;
  const outW = Math.floor((s.W + 2 * s.padding - s.kernel) / s.stride) + 1;
  if (outH < 1 || outW < 1)
    throw new KernelError(kernel, `'kernel' ${s.kernel} exceeds the padded ${s.H}×${s.W} image (padding ${s.padding})`);
  return { outH, outW };
}

function convUniforms(s: ConvShape, outH: number, outW: number, n: number) {
  return { n, channels: s.channels, height: s.H, width: s.W, kernel: s.kernel, stride: s.stride, pad: s.padding, out_h: outH, out_w: outW };
}

/** cols [batch·outH·outW, C·k·k] (row = output pixel, column = (c, ky, kx)) from x [batch, C, H, W], zero padded. */
export function im2col(gpu: Gpu, x: BufferArg, cols: BufferArg, s: ConvShape): void {
  const { outH, outW } = convOutputSize(s, 'im2col');
  const n = s.batch * outH * outW * s.channels * s.kernel * s.kernel;
  checkNoOverlap('im2col', x, 'x', cols, 'cols');
  gpu.run(programs.im2col, {
    buffers: { x, cols },
    uniforms: convUniforms(s, outH, outW, n),
    workgroups: grid(n, 256),
    minBytes: { x: s.batch * s.channels * s.H * s.W * 4, cols: n * 4 },
  });
}

/** dx [batch, C, H, W] = im2colᵀ(dcols), overwritten; a deterministic gather. */
export function col2im(gpu: Gpu, dcols: BufferArg, dx: BufferArg, s: ConvShape): void {
  const { outH, outW } = convOutputSize(s, 'col2im');
  const n = s.batch * s.channels * s.H * s.W;
  checkNoOverlap('col2im', dcols, 'dcols', dx, 'dx');
  gpu.run(programs.col2im, {
    buffers: { dcols, dx },
    uniforms: convUniforms(s, outH, outW, n),
    workgroups: grid(n, 256),
    minBytes: { dcols: s.batch * outH * outW * s.channels * s.kernel * s.kernel * 4, dx: n * 4 },
  });
}
