// Quality of the embedded models on held-out images drawn by the evaluation rasterizer
// (data/shapes-eval.ts, a code path independent of the training one):
//  - colorShape: zero-shot top-1 over the 40 colour × shape prompts ("a red circle").
//  - colorShapeEnsembled: the same with each prompt's embedding averaged over the prompt said on
//    every background and on none (an unsaid background means a neutral one in the training
//    captions, and these images have coloured backgrounds too).
//  - position: top-1 among the 5 position captions of the image's true colour and shape
//    ("a red circle at the top left", …, "a red circle in the center").
//  - positionAll: top-1 among all 200 colour × shape × position captions.
//  - decoder samples: random latents decoded by decoder-tiny; how often the tiny CLIP's top
//    colour × shape is the one the latent names (train/decoder-targets.ts: its heaviest shape, the
//    palette colour nearest its foreground), and the mean absolute
//    pixel error against the image it names.
//  - generation: generate() for "a red circle" with the decoder and the fourier generators; the
//    rank of "a red circle" among the 40 colour × shape captions for the final image (1 = first),
//    and the image's dominant hue (the hue bin holding the most saturated pixels).
import {
  BACKGROUND_TEMPLATES,
  COLORS,
  POSITIONS,
  RGB,
  SHAPES,
  captionOf,
  colorShapeClasses,
  trainingBatch,
  type ColorName,
  type ShapeName,
} from './data/shapes.js';
import { evalSet } from './data/shapes-eval.js';
import { toChw } from './data.js';
import { latentSpec, RENDER_LATENT_DIM, renderTargets, type SoftSpec } from './decoder-targets.js';
import { decode, initDecoder } from './train-decoder.js';
import { type Clip, generate, type GenerateState, type DecoderWeights, chwToRgb, ops, Tensor, tidy } from '@clipgpu/clip-runtime';
import { DECODER_INIT_CANDIDATES, decoder, decoderOutputSize, fourier, randn, stream } from '@clipgpu/clip-runtime/internals';

export interface ClassifyReport {
  images: number;
  colorShape: number;
  colorShapeEnsembled: number;
  /** the top colour × shape prompt has the right colour / the right shape (what the errors get wrong) */
  color: number;
  shape: number;
  /** shape right, among small and among large images (is the patch grid too coarse for small shapes?) */
  shapeBySize: { small: number; large: number };
  /** confusions[true shape][predicted shape] counts, in SHAPES order */
  shapeConfusion: number[][];
  position: number;
  positionAll: number;
}

/** Unit image embeddings [n, D] of RGB images (bytes, the CLIP's side). */
async function unitImageEmbeddings(clip: Clip, rgb: Uint8Array[]): Promise<Tensor> {
  const S = clip.config.vision_config.image_size;
  const pixels = Tensor.from(toChw(rgb, S, true), [rgb.length, 3, S, S], { runtime: clip.runtime });
  const encoded = await clip.encodeImage(pixels);
  const unit = tidy(() => ops.normalize(encoded));
  [pixels, encoded].forEach((t) => t.dispose());
  return unit;
}

/** cos similarities [images, texts] on the host, from unit image rows and unit text rows. */
async function similarities(images: Tensor, texts: Tensor): Promise<Float32Array> {
  const sims = ops.matmul(images, texts, { transB: true });
  const out = (await sims.toArray()) as Float32Array;
  sims.dispose();
  return out;
}

function argmax(row: Float32Array | number[], indices: number[]): number {
  let best = indices[0]!;
  for (const i of indices) if (row[i]! > row[best]!) best = i;
  return best;
}

/** Zero-shot accuracies on n held-out images (every colour × shape in turn). */
export async function evaluateClassification(
  clip: Clip,
  opts: { n?: number; seed?: number; batch?: number; rasterizer?: 'eval' | 'train' } = {},
): Promise<ClassifyReport> {
  const S = clip.config.vision_config.image_size;
  // rasterizer 'train': the training distribution, to tell under-fitting from a gap between the two
  const set =
    opts.rasterizer === 'train' ? trainingBatch(opts.seed ?? 12345, opts.n ?? 400, S) : evalSet(opts.n ?? 400, opts.seed ?? 12345, S);
  const classes = colorShapeClasses();
  const posCaptions = classes.flatMap((c) => POSITIONS.map((position) => captionOf({ ...c, position })));
  const t40 = await clip.encodeLabels(classes.map((c) => c.text));
  const t40e = await clip.encodeLabels(
    classes.map((c) => c.text),
    BACKGROUND_TEMPLATES,
  );
  const t200 = await clip.encodeLabels(posCaptions);
  let [cs, csEnsembled, col, pos, posAll] = [0, 0, 0, 0, 0];
  const bySize = { small: { right: 0, all: 0 }, large: { right: 0, all: 0 } };
  const confusion = SHAPES.map(() => SHAPES.map(() => 0));
  const batch = opts.batch ?? 50;
  for (let at = 0; at < set.length; at += batch) {
    const part = set.slice(at, at + batch);
    const images = await unitImageEmbeddings(
      clip,
      part.map((p) => p.rgb),
    );
    const [s40, s40e, s200] = [await similarities(images, t40), await similarities(images, t40e), await similarities(images, t200)];
    images.dispose();
    part.forEach(({ spec }, i) => {
      const row40 = s40.subarray(i * 40, (i + 1) * 40);
      const row200 = s200.subarray(i * 200, (i + 1) * 200);
      const k = classes.findIndex((c) => c.color === spec.color && c.shape === spec.shape);
      const top = argmax(row40, [...row40.keys()]);
      if (top === k) cs++;
      const row40e = s40e.subarray(i * 40, (i + 1) * 40);
      if (argmax(row40e, [...row40e.keys()]) === k) csEnsembled++;
      if (classes[top]!.color === spec.color) col++;
      bySize[spec.size].right += classes[top]!.shape === spec.shape ? 1 : 0;
      bySize[spec.size].all++;
      confusion[SHAPES.indexOf(spec.shape)]![SHAPES.indexOf(classes[top]!.shape)]!++;
      const truePos = k * POSITIONS.length + POSITIONS.indexOf(spec.position);
      if (
        argmax(
          row200,
          POSITIONS.map((_, j) => k * POSITIONS.length + j),
        ) === truePos
      )
        pos++;
      if (argmax(row200, [...row200.keys()]) === truePos) posAll++;
    });
  }
  [t40, t40e, t200].forEach((t) => t.dispose());
  const n = set.length;
  const shapeRight = confusion.reduce((sum, row, i) => sum + row[i]!, 0);
  const shapeBySize = { small: bySize.small.right / bySize.small.all, large: bySize.large.right / bySize.large.all };
  return {
    images: n,
    colorShape: cs / n,
    colorShapeEnsembled: csEnsembled / n,
    color: col / n,
    shape: shapeRight / n,
    shapeBySize,
    shapeConfusion: confusion,
    position: pos / n,
    positionAll: posAll / n,
  };
}

/** Hue in degrees of the bin (of 12) holding the most saturated, not-dark pixels; NaN if none. */
export function dominantHue(rgb: Uint8Array): number {
  const bins = new Array(12).fill(0);
  for (let i = 0; i < rgb.length; i += 3) {
    const [r, g, b] = [rgb[i]! / 255, rgb[i + 1]! / 255, rgb[i + 2]! / 255];
    const max = Math.max(r, g, b);
    const min = Math.min(r, g, b);
    const sat = max === 0 ? 0 : (max - min) / max;
    if (sat < 0.35 || max < 0.25) continue;
    const d = max - min;
    let h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
    h = (h * 60 + 360) % 360;
    bins[Math.floor(((h + 15) % 360) / 30)] += sat;
  }
  const best = bins.indexOf(Math.max(...bins));
  return bins[best] > 0 ? best * 30 : NaN;
}

export const isRedHue = (h: number) => h <= 15 || h >= 345;

export interface GenerationReport {
  generator: string;
  steps: number;
  /** 1-based rank of the prompt's caption among the 40 colour × shape captions */
  rank: number;
  top: string;
  hue: number;
  red: boolean;
  rgb: Uint8Array;
  size: [number, number];
  seconds: number;
}

/** generate() for `prompt` with a generator, then CLIP's ranking and the dominant hue of the result. */
export async function evaluateGeneration(
  clip: Clip,
  kind: 'decoder' | 'fourier',
  opts: {
    prompt?: string;
    steps?: number;
    decoderWeights?: string | Uint8Array;
    seed?: number;
    initCandidates?: number;
    onStep?: (s: GenerateState) => void;
  } = {},
): Promise<GenerationReport> {
  const prompt = opts.prompt ?? 'a red circle';
  const S = clip.config.vision_config.image_size;
  const steps = opts.steps ?? 100;
  const generator = kind === 'decoder' ? decoder(opts.decoderWeights) : fourier({ size: S });
  const t0 = performance.now();
  const run = generate(clip, {
    prompts: prompt,
    generator,
    steps,
    cutn: 8,
    lr: kind === 'decoder' ? 0.1 : 0.05,
    seed: opts.seed ?? 0,
    initCandidates: kind === 'decoder' ? (opts.initCandidates ?? DECODER_INIT_CANDIDATES) : undefined,
  });
  for await (const s of run) opts.onStep?.(s);
  const image = run.finalImage!;
  const [h, w] = image.shape.slice(-2) as [number, number];
  const chw = (await image.toArray()) as Float32Array;
  run.dispose();
  const rgb = chwToRgb(chw, h, w).data;
  const ranked = await clip.classify(
    { width: w, height: h, data: rgb },
    colorShapeClasses().map((c) => c.text),
  );
  const rank = ranked.findIndex((r) => r.label === prompt) + 1;
  const hue = dominantHue(rgb);
  return {
    generator: kind,
    steps,
    rank,
    top: ranked[0]!.label,
    hue,
    red: isRedHue(hue),
    rgb,
    size: [h, w],
    seconds: (performance.now() - t0) / 1000,
  };
}

export interface DecoderSamplesReport {
  samples: number;
  /** CLIP's top colour × shape is the latent's; its colour is; its shape is */
  named: number;
  color: number;
  shape: number;
  /** the same for the named images themselves (what the CLIP makes of a perfect decoder) */
  targets: { named: number; color: number; shape: number };
  /** mean |decoded − named image| per channel, in 0–255 */
  pixelError: number;
  /** the decoded images and the images their latents name, [samples, 3, size, size] in [0, 1] */
  images: Float32Array;
  targetImages: Float32Array;
  size: number;
}

/** The colour × shape class a soft spec names: its heaviest shape, the palette colour nearest its foreground. */
function namedClass(spec: SoftSpec): { shape: ShapeName; color: ColorName } {
  const distance = (c: ColorName) => RGB[c].reduce((acc, v, k) => acc + (v / 255 - spec.foreground[k]!) ** 2, 0);
  const color = COLORS.reduce((best, c) => (distance(c) < distance(best) ? c : best));
  return { shape: SHAPES[argmax(spec.shapeWeights, [...SHAPES.keys()])]!, color };
}

/** n random latents (from `seed`) through a decoder trained on the render objective, judged by the tiny CLIP. */
export async function evaluateDecoderSamples(
  clip: Clip,
  w: DecoderWeights,
  opts: { n?: number; seed?: number } = {},
): Promise<DecoderSamplesReport> {
  const a = w.architecture;
  const [size] = decoderOutputSize(a);
  const S = clip.config.vision_config.image_size;
  if (a.latent_dim !== RENDER_LATENT_DIM)
    throw new Error(
      `decoder samples: the decoder's latent has ${a.latent_dim} values; a render-objective decoder's has ${RENDER_LATENT_DIM}`,
    );
  if (size !== S) throw new Error(`decoder samples: the decoder draws ${size} px, the CLIP sees ${S} px`);
  const n = opts.n ?? 128;
  const zs = randn(n * RENDER_LATENT_DIM, stream(opts.seed ?? 0, 'decoder-samples'));
  const params = initDecoder(a, clip.runtime, 0, w);
  const z = Tensor.from(zs, [n, RENDER_LATENT_DIM], { runtime: clip.runtime });
  const decoded = decode(params, a, z);
  const images = (await decoded.toArray()) as Float32Array;
  [z, decoded].forEach((t) => t.dispose());
  params.dispose();
  const plane = 3 * size * size;
  const target = renderTargets(zs, n, size).images;
  const pixelError = (255 * images.reduce((acc, v, i) => acc + Math.abs(v - target[i]!), 0)) / images.length;
  const classes = colorShapeClasses();
  const texts = await clip.encodeLabels(classes.map((c) => c.text));
  /** CLIP's top class for each image of a batch [n, 3, size, size] */
  const topClasses = async (batch: Float32Array) => {
    const unit = await unitImageEmbeddings(
      clip,
      Array.from({ length: n }, (_, i) => chwToRgb(batch.subarray(i * plane, (i + 1) * plane), size, size).data),
    );
    const sims = await similarities(unit, texts);
    unit.dispose();
    return Array.from(
      { length: n },
      (_, i) => classes[argmax(sims.subarray(i * classes.length, (i + 1) * classes.length), [...classes.keys()])]!,
    );
  };
  const [fromDecoder, fromTargets] = [await topClasses(images), await topClasses(target)];
  texts.dispose();
  const wanted = Array.from({ length: n }, (_, i) =>
    namedClass(latentSpec(zs.subarray(i * RENDER_LATENT_DIM, (i + 1) * RENDER_LATENT_DIM))),
  );
  const agreement = (tops: { color: ColorName; shape: ShapeName }[]) => {
    const share = (right: (i: number) => boolean) => wanted.filter((_, i) => right(i)).length / n;
    return {
      named: share((i) => tops[i]!.color === wanted[i]!.color && tops[i]!.shape === wanted[i]!.shape),
      color: share((i) => tops[i]!.color === wanted[i]!.color),
      shape: share((i) => tops[i]!.shape === wanted[i]!.shape),
    };
  };
  return { samples: n, ...agreement(fromDecoder), targets: agreement(fromTargets), pixelError, images, targetImages: target, size };
}

export const ALL_CLASSES = { COLORS, SHAPES, POSITIONS };
