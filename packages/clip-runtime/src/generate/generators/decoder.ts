// A GAN-style decoder with frozen weights; the latent vector z is the only parameter. Its weights
// file and architectures: decoder-weights.ts.
//
// Kind "conv": z [1, latent_dim] → [mapping: (Linear → leaky_relu) per width] → dense → leaky_relu →
// reshape [1, C0, h0, w0] → n × (nearest 2× upsample → [coords] → 3×3 conv (padding 1) →
// leaky_relu) → [coords] → 3×3 conv → sigmoid: [1, 3, h0·2ⁿ, w0·2ⁿ]. [coords] appends two
// channels, x and y of each pixel centre in (−1, 1) ((2·j + 1)/W − 1), as CoordConv does (Liu et
// al. 2018): a plain upsampling decoder learns only slowly to put an edge at a position its latent
// names. The mapping MLP (as StyleGAN's) gives the latent more than one nonlinearity before it is
// spread over the 4×4 grid: which of five coordinates is largest (the shape) is not piecewise
// linear enough for one. (PyTorch: nn.Linear, view, nn.Upsample(scale_factor=2, mode='nearest'),
// torch.cat(dim=1), nn.Conv2d(k=3, padding=1), nn.LeakyReLU(0.2).) The slope is fixed at 0.2.
//
// Kind "pixel": the mapping MLP's output s (the style) steers one small MLP shared by every pixel,
// as a CPPN or the spatial-broadcast decoder (Watters et al. 2019): per pixel h = (x, y), or with a
// frame (u, v, u² + v²) where (u, v) = [x, y, 1] · reshape(frame(s), [3, 2]) is the pixel in
// coordinates the latent places, turns and scales (a spatial transformer's affine map); then per
// layer h = leaky_relu(Linear(cat([h, s]))); rgb = sigmoid(to_rgb(h)). In its frame every shape is
// drawn at one place and size, so the MLP can learn each shape once, not once per place. With
// "fourier" it also reads sin and cos of 2ʲπ·(u, v), so that corners are within an MLP's easy
// reach (see fourierFeatures). Being a function of the pixel centres' coordinates, it draws at any
// size (decoderAtSize), however large it was trained. A composite one (decoder-tiny) draws a
// coverage α = to_alpha(h) instead and blends two colours the style names, rgb = bg + σ(α)·(fg − bg),
// (fg, bg) = sigmoid(colors(s)), as a sprite over a backdrop (AIR, Eslami et al. 2016): its training
// can teach the coverage the shape alone.
import { embeddedModelFiles } from '../../io/embedded.js';
import { ops, Tensor, tidy } from '../../tensor/index.js';
import { randn, type Random } from '../random.js';
import {
  checkArchitecture,
  decoderArchitecture,
  decoderOutputSize,
  decoderTensorShapes,
  randomDecoderWeights,
  readDecoderWeights,
  type ConvDecoderArchitecture,
  type DecoderArchitecture,
  type DecoderSource,
  type DecoderWeights,
  type PixelDecoderArchitecture,
} from './decoder-weights.js';
import { disposeAll, type Generator, type GeneratorContext, type GeneratorFactory, sizeOf } from './types.js';

export * from './decoder-weights.js';

/** Nearest-neighbour 2× upsampling of x [B, C, H, W], exact and differentiable (copies only). */
export function upsampleNearest2x(x: Tensor): Tensor {
  const [B, C, H, W] = x.shape;
  return tidy(() => {
    const col = ops.reshape(x, [B * C * H * W, 1]);
    const wide = ops.reshape(ops.concat([col, col], 1), [B * C * H, 2 * W]); // each pixel twice along W
    return ops.reshape(ops.concat([wide, wide], 1), [B, C, 2 * H, 2 * W]); // each row twice
  });
}

/** x [B, C, H, W] with two channels more: each pixel centre's x and y in (−1, 1). */
export function appendCoordinates(x: Tensor): Tensor {
  const [B, , H, W] = x.shape;
  const centres = pixelCoordinates(H, W);
  const grid = new Float32Array(B * 2 * H * W);
  for (let b = 0; b < B; b++)
    for (let p = 0; p < H * W; p++) [grid[(b * 2 + 0) * H * W + p], grid[(b * 2 + 1) * H * W + p]] = [centres[2 * p]!, centres[2 * p + 1]!];
  return tidy(() => ops.concat([x, Tensor.from(grid, [B, 2, H, W], { runtime: x.rt })], 1));
}

/**
 * The architecture drawing at `size` [H, W]: a pixel decoder is a function of the pixel centres'
 * coordinates (−1 … 1 across the image), so it renders at any resolution; a conv decoder's
 * upsampling stack fixes its size, and another one is an error.
 */
export function decoderAtSize(a: DecoderArchitecture, size?: readonly [number, number]): DecoderArchitecture {
  if (!size) return a;
  if (a.kind === 'pixel') return { ...a, size: [size[0], size[1]] as [number, number] };
  const [h, w] = decoderOutputSize(a);
  if (size[0] !== h || size[1] !== w)
    throw new Error(
      `decoder: this conv decoder's weights fix its images at ${h}×${w}; it cannot draw ${size[0]}×${size[1]} (a pixel decoder can)`,
    );
  return a;
}

/**
 * The decoder's forward pass, z [B, latent_dim] → images [B, 3, H, W] in (0, 1); `t` names its
 * weights. A pixel decoder can draw just some `pixels` (row-major indices): [B, 3, 1, n], as its
 * training does, since each pixel is computed on its own. `logits`: the values before the sigmoid.
 */
export function decodeLatents(
  a: DecoderArchitecture,
  t: (name: string) => Tensor,
  z: Tensor,
  opts: { pixels?: ArrayLike<number>; logits?: boolean } = {},
): Tensor {
  if (opts.pixels && a.kind !== 'pixel') throw new Error('decodeLatents: only a pixel decoder draws a subset of its pixels');
  return tidy(() => decodeStyles(a, t, decoderStyle(a, t, z), opts));
}

/** decodeLatents() from the mapping MLP's output (decoderStyle()), for a caller that needs the style too. */
export function decodeStyles(
  a: DecoderArchitecture,
  t: (name: string) => Tensor,
  style: Tensor,
  opts: { pixels?: ArrayLike<number>; logits?: boolean } = {},
): Tensor {
  return tidy(() => {
    if (a.kind === 'pixel' && a.composite) {
      if (opts.logits)
        throw new Error(
          'decodeStyles: a composite decoder blends two colours, so its image has no logits; decoderLayers() gives its coverage logits',
        );
      return decoderLayers(a, t, style, opts).image;
    }
    const logits = a.kind === 'pixel' ? drawPixels(a, t, style, opts.pixels) : drawConv(a, t, style);
    return opts.logits ? logits : ops.sigmoid(logits);
  });
}

function drawConv(a: ConvDecoderArchitecture, t: (name: string) => Tensor, h: Tensor): Tensor {
  const [h0, w0] = a.base_size;
  const coords = (x: Tensor) => (a.coords ? appendCoordinates(x) : x);
  return tidy(() => {
    let x = ops.reshape(ops.leakyRelu(ops.linear(h, t('dense.weight'), t('dense.bias'))), [h.shape[0]!, a.channels[0]!, h0, w0]);
    for (let i = 0; i + 1 < a.channels.length; i++)
      x = ops.leakyRelu(ops.conv2d(coords(upsampleNearest2x(x)), t(`blocks.${i}.conv.weight`), t(`blocks.${i}.conv.bias`), { padding: 1 }));
    return ops.conv2d(coords(x), t('to_rgb.weight'), t('to_rgb.bias'), { padding: 1 });
  });
}

/** A pixel decoder's placements [B, 4] = (X, Y, log k, θ) from the style [B, m] (zero: the identity frame). */
export function decoderPlacements(t: (name: string) => Tensor, style: Tensor): Tensor {
  return ops.linear(style, t('frame.weight'), t('frame.bias'));
}

/** The frames [B, 3, 2] of placements [B, 4], as placementFrame() does for one. */
function placementFrames(placement: Tensor): Tensor {
  return tidy(() => {
    const at = (i: number) => ops.slice(placement, 1, i, i + 1); // [B, 1]
    const [X, Y, k, theta] = [at(0), at(1), ops.exp(at(2)), at(3)];
    const c = ops.mul(k, ops.sin(ops.scale(theta, 1, Math.PI / 2))); // k·cos θ
    const s = ops.mul(k, ops.sin(theta));
    const tx = ops.neg(ops.add(ops.mul(c, X), ops.mul(s, Y)));
    const ty = ops.sub(ops.mul(s, X), ops.mul(c, Y));
    return ops.reshape(ops.concat([c, ops.neg(s), s, c, tx, ty], 1), [placement.shape[0]!, 3, 2]);
  });
}

/** The mapping MLP's output (the style) for z [B, latent_dim]; z itself without a mapping. */
export function decoderStyle(a: DecoderArchitecture, t: (name: string) => Tensor, z: Tensor): Tensor {
  if (!a.mapping?.length) return z; // not through tidy(), which would hand the caller's z to the scope
  return tidy(() => {
    let h = z;
    for (let j = 0; j < a.mapping!.length; j++) h = ops.leakyRelu(ops.linear(h, t(`mapping.${j}.weight`), t(`mapping.${j}.bias`)));
    return h;
  });
}

/**
 * The pixel decoder's last hidden values [n·B, P] from the style s [B, m]: layer i's pre-activation
 * at each pixel is pixel.i.weight · [its previous values (x, y at first); s] + bias, computed as the
 * pixel part plus the style part once per image. Rows are pixel-major ([n, B, ·]) so that the
 * per-image part [B, P] broadcasts over the pixels in the plain binary kernel.
 */
function pixelHidden(
  a: PixelDecoderArchitecture,
  t: (name: string) => Tensor,
  style: Tensor,
  pixels?: ArrayLike<number>,
  placements?: Tensor,
): Tensor {
  const [H, W] = a.size;
  const [B, m] = style.shape as [number, number];
  const n = pixels?.length ?? H * W;
  return tidy(() => {
    // the drawn pixels' centres, [x, y, 1] each (the 1 for a frame's translation)
    const grid = pixelCoordinates(H, W);
    const centres = new Float32Array(n * 3);
    for (let k = 0; k < n; k++) {
      const p = pixels ? pixels[k]! : k;
      if (!(Number.isInteger(p) && p >= 0 && p < H * W)) throw new Error(`decodeLatents: pixel index ${p} is outside the ${H}×${W} image`);
      centres.set([grid[2 * p]!, grid[2 * p + 1]!, 1], 3 * k);
    }
    let x: Tensor;
    if (a.frame) {
      // [x, y, 1] (shared by the batch) · each image's frame [3, 2], then pixel-major
      const frames = placementFrames(placements ?? decoderPlacements(t, style));
      const u = ops.reshape(ops.permute(ops.matmul(Tensor.from(centres, [n, 3], { runtime: style.rt }), frames), [1, 0, 2]), [n * B, 2]);
      // and the squared distance from the frame's origin (CoordConv's r channel): a circle or ring is
      // then one or two half-spaces of the first layer
      const radius2 = ops.sumLastAxis(ops.mul(u, u), true); // [n·B, 1]
      x = ops.concat([u, radius2, ...fourierFeatures(u, a.fourier ?? 0)], 1);
    } else {
      const coords = new Float32Array(n * B * 2);
      for (let k = 0; k < n; k++) for (let b = 0; b < B; b++) coords.set(centres.subarray(3 * k, 3 * k + 2), 2 * (k * B + b));
      const xy = Tensor.from(coords, [n * B, 2], { runtime: style.rt });
      x = a.fourier ? ops.concat([xy, ...fourierFeatures(xy, a.fourier)], 1) : xy;
    }
    for (let i = 0; i < a.pixel.length; i++) {
      const [weight, P] = [t(`pixel.${i}.weight`), a.pixel[i]!];
      const inputs = weight.shape[1]! - m;
      const perImage = ops.linear(style, ops.slice(weight, 1, inputs, inputs + m), t(`pixel.${i}.bias`)); // [B, P]
      const perPixel = ops.reshape(ops.linear(x, ops.slice(weight, 1, 0, inputs)), [n, B, P]);
      x = ops.reshape(ops.leakyRelu(ops.add(perPixel, perImage)), [n * B, P]);
    }
    return x;
  });
}

/**
 * sin and cos of 2ʲπ·u for j < octaves, [N, 2] each, u [N, 2]: an MLP on raw coordinates learns
 * smooth functions first and corners last (its spectral bias; Tancik et al. 2020); with these a
 * square's or star's edges are near-linear in its inputs from the start.
 */
function fourierFeatures(u: Tensor, octaves: number): Tensor[] {
  return Array.from({ length: octaves }, (_, j) => [0, Math.PI / 2].map((phase) => ops.sin(ops.scale(u, 2 ** j * Math.PI, phase)))).flat();
}

/** Pixel-major values [n, B, C] as images [B, C, H, W], or [B, C, 1, n] for a subset of pixels. */
function imageMajor(v: Tensor, a: PixelDecoderArchitecture, pixels?: ArrayLike<number>): Tensor {
  const [n, B, C] = v.shape as [number, number, number];
  return ops.reshape(ops.permute(v, [1, 2, 0]), pixels ? [B, C, 1, n] : [B, C, ...a.size]);
}

/** A plain pixel decoder's RGB logits. */
function drawPixels(a: PixelDecoderArchitecture, t: (name: string) => Tensor, style: Tensor, pixels?: ArrayLike<number>): Tensor {
  const n = pixels?.length ?? a.size[0] * a.size[1];
  return tidy(() =>
    imageMajor(
      ops.reshape(ops.linear(pixelHidden(a, t, style, pixels), t('to_rgb.weight'), t('to_rgb.bias')), [n, style.shape[0]!, 3]),
      a,
      pixels,
    ),
  );
}

/**
 * A composite pixel decoder's two layers and their blend: the coverage logits α ([B, 1, H, W], or
 * [B, 1, 1, n] for some `pixels`) and the image background + σ(α)·(foreground − background), its
 * colours sigmoid(colors(s)). Training can teach α the shape alone, apart from the colours, and
 * can hand it the true `placements` [B, 4] in place of the frame head's (teacher forcing), so that
 * the shape is learned in exact frames while the head learns to place them.
 */
export function decoderLayers(
  a: PixelDecoderArchitecture,
  t: (name: string) => Tensor,
  style: Tensor,
  opts: { pixels?: ArrayLike<number>; placements?: Tensor } = {},
): { alpha: Tensor; image: Tensor } {
  const B = style.shape[0]!;
  const n = opts.pixels?.length ?? a.size[0] * a.size[1];
  if (!a.composite) throw new Error('decoderLayers: the decoder is not composite');
  return tidy(() => {
    const alpha = ops.linear(pixelHidden(a, t, style, opts.pixels, opts.placements), t('to_alpha.weight'), t('to_alpha.bias')); // [n·B, 1]
    const colors = ops.sigmoid(ops.linear(style, t('colors.weight'), t('colors.bias'))); // [B, 6]
    const [foreground, background] = [ops.slice(colors, 1, 0, 3), ops.slice(colors, 1, 3, 6)];
    // σ(α) once per channel ([n·B, 1] · [3, 1]ᵀ), so the per-image colours broadcast over the pixels
    const cover = ops.reshape(ops.linear(ops.sigmoid(alpha), Tensor.from(new Float32Array([1, 1, 1]), [3, 1], { runtime: style.rt })), [
      n,
      B,
      3,
    ]);
    const rgb = ops.add(ops.mul(cover, ops.sub(foreground, background)), background);
    return { alpha: imageMajor(ops.reshape(alpha, [n, B, 1]), a, opts.pixels), image: imageMajor(rgb, a, opts.pixels) };
  });
}

/** [H·W, 2]: each pixel centre's x and y in (−1, 1), row-major (as appendCoordinates). */
export function pixelCoordinates(H: number, W: number): Float32Array {
  const grid = new Float32Array(H * W * 2);
  for (let i = 0; i < H; i++)
    for (let j = 0; j < W; j++) [grid[2 * (i * W + j)], grid[2 * (i * W + j) + 1]] = [(2 * j + 1) / W - 1, (2 * i + 1) / H - 1];
  return grid;
}

/**
 * generate()'s initCandidates for the embedded decoder: a latent moves only so far in a run of
 * 40-100 steps, and from one random draw the tiny CLIP read "a red circle" as "a red square".
 */
export const DECODER_INIT_CANDIDATES = 16;

export interface DecoderOptions {
  /** the latent size; checked against the file's, or the random decoder's (default 64) */
  latentDim?: number;
  /**
   * The image's side in pixels (or [height, width]): a pixel decoder draws at any size; a conv
   * decoder only at its weights' size. Default: the weights' size; a random decoder's is 32.
   */
  size?: number | readonly [number, number];
  /** initial latent [latent_dim]; default Normal(0, latentStd) from the run's seed */
  latent?: Float32Array | readonly number[];
  latentStd?: number;
  /** seed of a random decoder's weights (default 0) */
  weightsSeed?: number;
  /** without a source: random weights instead of the embedded decoder-tiny */
  random?: boolean;
}

/**
 * A frozen decoder from a weights file (path, URL, bytes) or in-memory weights; without a source,
 * the embedded decoder-tiny, or random weights with `random: true`. `decoder({ size: 64 })` is the
 * embedded decoder drawing at 64 px.
 */
export function decoder(options?: DecoderOptions): GeneratorFactory;
export function decoder(source?: DecoderSource, opts?: DecoderOptions): GeneratorFactory;
export function decoder(first?: DecoderSource | DecoderOptions, second: DecoderOptions = {}): GeneratorFactory {
  // decoder({ size }) is decoder(undefined, { size }): the embedded decoder with options
  const [source, opts] = isOptions(first) ? [undefined, first] : [first, second];
  if (source === undefined && !opts.random) {
    // the embedded decoder's file, found when the generator is created
    return {
      kind: 'decoder',
      size: opts.size === undefined ? undefined : sizeOf('decoder', opts.size),
      async create(ctx: GeneratorContext): Promise<Generator> {
        const file = await (await embeddedModelFiles('decoder-tiny')).source('decoder.safetensors');
        try {
          return await decoder(await readDecoderWeights(file), opts).create(ctx);
        } finally {
          await file.close?.();
        }
      },
    };
  }
  const size = opts.size === undefined ? undefined : sizeOf('decoder', opts.size);
  const inMemory =
    source === undefined
      ? randomDecoderWeights(decoderArchitecture({ latentDim: opts.latentDim, size: size?.[0] }), opts.weightsSeed)
      : isWeights(source)
        ? source
        : undefined;
  if (inMemory) checkLatent(inMemory.architecture, opts);
  return {
    kind: 'decoder',
    size: inMemory ? decoderOutputSize(decoderAtSize(checkArchitecture(inMemory.architecture), size)) : size,
    async create(ctx: GeneratorContext): Promise<Generator> {
      const w = inMemory ?? (await readDecoderWeights(source as Exclude<DecoderSource, DecoderWeights>));
      const a = w.architecture;
      checkLatent(a, opts);
      return buildDecoder(w, ctx, opts);
    },
  };
}

/** An options object, not a source: a plain object that is neither weights nor a ByteSource. */
function isOptions(x: unknown): x is DecoderOptions {
  return !!x && typeof x === 'object' && !(x instanceof Uint8Array) && !(x instanceof ArrayBuffer) && !isWeights(x) && !('read' in x);
}

function isWeights(x: unknown): x is DecoderWeights {
  return !!x && typeof x === 'object' && 'architecture' in x && 'tensors' in x;
}

function checkLatent(a: DecoderArchitecture, opts: DecoderOptions): void {
  if (opts.latentDim !== undefined && opts.latentDim !== a.latent_dim)
    throw new Error(`decoder: latentDim ${opts.latentDim} does not match the weights' latent_dim ${a.latent_dim}`);
  if (opts.latent && opts.latent.length !== a.latent_dim)
    throw new Error(`decoder: 'latent' has ${opts.latent.length} values, latent_dim is ${a.latent_dim}`);
}

function buildDecoder(w: DecoderWeights, ctx: GeneratorContext, opts: DecoderOptions): Generator {
  const weights = checkArchitecture(w.architecture);
  const a = decoderAtSize(weights, opts.size === undefined ? undefined : sizeOf('decoder', opts.size));
  const rt = ctx.runtime;
  const t = Object.fromEntries(
    decoderTensorShapes(weights).map(([name, shape]) => [name, Tensor.from(w.tensors[name].data, shape, { runtime: rt })]),
  );
  const random: Random = ctx.random;
  const init = opts.latent ? Float32Array.from(opts.latent) : randn(a.latent_dim, random, opts.latentStd ?? 1);
  const z = Tensor.from(init, [1, a.latent_dim], { requiresGrad: true, runtime: rt });
  return {
    parameters: [z],
    render: () => decodeLatents(a, (name) => t[name]!, z),
    dispose: () => disposeAll([z, ...Object.values(t)]),
  };
}
