// Lucid's Fourier image parameterization (lucid/optvis/param/spatial.py fft_image and color.py
// to_valid_rgb): a 2-D spectrum scaled by 1/frequency^decay, an inverse real DFT, decorrelated
// colours, a sigmoid. The inverse DFT is two matmuls against DFT bases precomputed in float64:
//
//   spectrum Z [3, 2H, W'] (real rows over imaginary rows, W' = ⌊W/2⌋ + 1), scaled elementwise
//   [U; V] = [[Ch, −Sh], [Sh, Ch]] · Z        the complex inverse DFT along H (Ch = cos, Sh = sin)
//   x = [U | V] · [Wcᵀ; −Wsᵀ] / (H·W)         the inverse real DFT along W (c_k = 1 at DC and Nyquist, else 2)
//   rgb = sigmoid(C · x)                       C: ImageNet colour correlation (svd sqrt), column-normalized, / 4
//
// This is numpy's irfft2 (imaginary parts of the DC and Nyquist columns ignored). Lucid keeps one
// extra spectrum column for odd widths; here odd widths use the exact ⌊W/2⌋ + 1.
import { ops, Tensor, tidy } from '../../tensor/index.js';
import { randn } from '../random.js';
import { disposeAll, sizeOf, type Generator, type GeneratorContext, type GeneratorFactory } from './types.js';

export interface FourierOptions {
  size: number | readonly [number, number];
  /** spectrum scale 1/f^decay (Lucid's decay_power, default 1) */
  decay?: number;
  /** std of the random initial spectrum (Lucid's sd, default 0.01) */
  std?: number;
  /** initial spectrum [3·2H·W'] (real rows then imaginary rows per channel) */
  init?: Float32Array | readonly number[];
  /** decorrelate colours (default true) */
  decorrelate?: boolean;
}

/** Lucid's color_correlation_svd_sqrt. */
export const COLOR_CORRELATION_SVD_SQRT = [
  [0.26, 0.09, 0.02],
  [0.27, 0.0, -0.05],
  [0.27, -0.09, 0.03],
];

/** Lucid's magic constant dividing the inverse DFT. */
const MAGIC = 4;

/** numpy.fft.fftfreq(n)[k]. */
function fftfreq(n: number, k: number): number {
  return (k < Math.ceil(n / 2) ? k : k - n) / n;
}

/** The float64 constants of the parameterization (exported for tests). */
export function fourierBases(h: number, w: number, decay = 1, decorrelate = true) {
  const w2 = Math.floor(w / 2) + 1;
  const scale = new Float32Array(2 * h * w2);
  for (let ky = 0; ky < h; ky++)
    for (let kx = 0; kx < w2; kx++) {
      const fy = fftfreq(h, ky);
      const fx = kx / w; // |fftfreq| of the kept columns (the Nyquist one's sign does not matter)
      const f = Math.sqrt(fx * fx + fy * fy);
      const s = Math.sqrt(w * h) / Math.max(f, 1 / Math.max(w, h)) ** decay;
      scale[ky * w2 + kx] = s;
      scale[(h + ky) * w2 + kx] = s;
    }
  const rows = new Float32Array(4 * h * h);
  for (let n = 0; n < h; n++)
    for (let k = 0; k < h; k++) {
      const a = (2 * Math.PI * ((n * k) % h)) / h;
      const c = Math.cos(a);
      const s = Math.sin(a);
      rows[n * 2 * h + k] = c;
      rows[n * 2 * h + h + k] = -s;
      rows[(h + n) * 2 * h + k] = s;
      rows[(h + n) * 2 * h + h + k] = c;
    }
  const cols = new Float32Array(2 * w2 * w);
  for (let k = 0; k < w2; k++) {
    const edge = k === 0 || 2 * k === w;
    const ck = (edge ? 1 : 2) / (h * w);
    for (let m = 0; m < w; m++) {
      const a = (2 * Math.PI * ((k * m) % w)) / w;
      cols[k * w + m] = ck * Math.cos(a);
      cols[(w2 + k) * w + m] = edge ? 0 : -ck * Math.sin(a);
    }
  }
  const color = new Float32Array(9);
  const C = COLOR_CORRELATION_SVD_SQRT;
  let maxNorm = 0;
  for (let j = 0; j < 3; j++) maxNorm = Math.max(maxNorm, Math.hypot(C[0][j], C[1][j], C[2][j]));
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) color[3 * i + j] = (decorrelate ? C[i][j] / maxNorm : i === j ? 1 : 0) / MAGIC;
  return { w2, scale, rows, cols, color };
}

/** Lucid's fft_image + to_valid_rgb(decorrelate, sigmoid): the parameters are the spectrum. */
export function fourier(opts: FourierOptions): GeneratorFactory {
  const [h, w] = sizeOf('fourier', opts.size);
  const decay = opts.decay ?? 1;
  if (!Number.isFinite(decay)) throw new Error(`generators.fourier: 'decay' must be a finite number, got ${decay}`);
  const w2 = Math.floor(w / 2) + 1;
  const n = 3 * 2 * h * w2;
  if (opts.init && opts.init.length !== n)
    throw new Error(`generators.fourier: 'init' has ${opts.init.length} values, a ${h}×${w} spectrum needs ${n} (3 × 2·${h} × ${w2})`);
  return {
    kind: 'fourier',
    size: [h, w],
    create(ctx: GeneratorContext): Generator {
      const rt = ctx.runtime;
      const b = fourierBases(h, w, decay, opts.decorrelate ?? true);
      const init = opts.init ? Float32Array.from(opts.init) : randn(n, ctx.random, opts.std ?? 0.01);
      const spectrum = Tensor.from(init, [3, 2 * h, w2], { requiresGrad: true, runtime: rt });
      const scale = Tensor.from(b.scale, [2 * h, w2], { runtime: rt });
      const rows = Tensor.from(b.rows, [2 * h, 2 * h], { runtime: rt });
      const cols = Tensor.from(b.cols, [2 * w2, w], { runtime: rt });
      const color = Tensor.from(b.color, [3, 3], { runtime: rt });
      return {
        parameters: [spectrum],
        render: () =>
          tidy(() => {
            const uv = ops.matmul(rows, ops.mul(spectrum, scale)); // [3, 2H, W']
            const side = ops.permute(ops.reshape(uv, [3, 2, h, w2]), [0, 2, 1, 3]); // [3, H, 2, W']
            const x = ops.matmul(ops.reshape(side, [3, h, 2 * w2]), cols); // [3, H, W]
            const rgb = ops.matmul(color, ops.reshape(x, [3, h * w]));
            return ops.reshape(ops.sigmoid(rgb), [1, 3, h, w]);
          }),
        dispose: () => disposeAll([spectrum, scale, rows, cols, color]),
      };
    },
  };
}
