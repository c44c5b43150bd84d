// Image ops on NCHW tensors: resize (with optional crop boxes: cutouts) and conv2d as im2col +
// the matmul kernel, with backward rules.
import * as K from '@clipgpu/kernels';
import { record } from '../autograd.js';
import type { Tensor } from '../tensor.js';
import { linear } from './matmul.js';
import { permute, reshape } from './layout.js';
import { emptyLike, f32, fail, fmt } from './util.js';

export interface ResizeOptions {
  mode?: K.ResizeMode;
  /** PIL-style antialiasing when shrinking (default true for bicubic, as CLIP's preprocessing) */
  antialias?: boolean;
  /** source crop in pixels; with `boxes`, one image is cut into boxes.length/4 crops */
  box?: { x: number; y: number; w: number; h: number };
  boxes?: number[];
}

/** x [B, C, H, W] → [B', C, outH, outW]. */
export function resize(x: Tensor, outH: number, outW: number, opts: ResizeOptions = {}): Tensor {
  f32('resize', 'x', x);
  if (x.shape.length !== 4) fail('resize', `x must be [B, C, H, W], got ${fmt(x.shape)}`);
  const [batch, channels, inH, inW] = x.shape;
  const mode = opts.mode ?? 'bilinear';
  const outBatch = opts.boxes ? opts.boxes.length / 4 : batch;
  if (opts.boxes && (batch !== 1 || !Number.isInteger(outBatch)))
    fail('resize', `boxes need one input image and 4 numbers per crop (got batch ${batch}, ${opts.boxes.length} numbers)`);
  const s: K.ResizeShape = {
    batch: outBatch,
    inBatch: batch,
    channels,
    inH,
    inW,
    outH,
    outW,
    mode,
    antialias: opts.antialias ?? mode === 'bicubic',
    box: opts.box,
    boxes: opts.boxes,
  };
  const y = emptyLike(x, [outBatch, channels, outH, outW]);
  K.resize(x.rt.gpu, x.buffer, y.buffer, s);
  return record('resize', y, [x], [], (g) => {
    const dx = emptyLike(g, x.shape);
    K.resizeBackward(g.rt.gpu, g.buffer, dx.buffer, s);
    return [dx];
  });
}

/** x [B, C, H, W] → columns [B·outH·outW, C·k·k] (zero padding). */
export function im2col(x: Tensor, kernel: number, stride: number, padding: number): Tensor {
  f32('im2col', 'x', x);
  if (x.shape.length !== 4) fail('im2col', `x must be [B, C, H, W], got ${fmt(x.shape)}`);
  const [batch, channels, H, W] = x.shape;
  const s: K.ConvShape = { batch, channels, H, W, kernel, stride, padding };
  const { outH, outW } = K.convOutputSize(s);
  if (outH < 1 || outW < 1)
    fail('im2col', `a ${kernel}×${kernel} kernel with stride ${stride} and padding ${padding} does not fit ${fmt(x.shape)}`);
  const cols = emptyLike(x, [batch * outH * outW, channels * kernel * kernel]);
  K.im2col(x.rt.gpu, x.buffer, cols.buffer, s);
  return record('im2col', cols, [x], [], (g) => {
    const dx = emptyLike(g, x.shape);
    K.col2im(g.rt.gpu, g.buffer, dx.buffer, s);
    return [dx];
  });
}

export interface Conv2dOptions {
  stride?: number;
  padding?: number;
  /** return [B, outH, outW, O] (tokens, as a ViT's patch embedding wants) instead of NCHW */
  channelsLast?: boolean;
}

/** 2-D convolution with a square kernel: weight [O, C, k, k], optional bias [O]. */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor, opts: Conv2dOptions = {}): Tensor {
  if (weight.shape.length !== 4 || weight.shape[2] !== weight.shape[3])
    fail('conv2d', `weight must be [O, C, k, k], got ${fmt(weight.shape)}`);
  const [O, C, k] = weight.shape;
  if (x.shape[1] !== C) fail('conv2d', `x ${fmt(x.shape)} has ${x.shape[1]} channels, weight ${fmt(weight.shape)} expects ${C}`);
  const stride = opts.stride ?? 1;
  const padding = opts.padding ?? 0;
  const [B, , H, W] = x.shape;
  const { outH, outW } = K.convOutputSize({ batch: B, channels: C, H, W, kernel: k, stride, padding });
  const cols = im2col(x, k, stride, padding);
  const w2 = reshape(weight, [O, C * k * k]);
  const y = linear(cols, w2, bias);
  const tokens = reshape(y, [B, outH, outW, O]);
  [cols, w2, y].forEach((t) => t.dispose());
  if (opts.channelsLast) return tokens;
  const nchw = permute(tokens, [0, 3, 1, 2]);
  tokens.dispose();
  return nchw;
}
