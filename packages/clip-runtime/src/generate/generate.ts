// CLIP-guided generation: a generator renders an image, cutouts of it go through CLIP as one
// batch, the weighted distances to the prompts' embeddings are backpropagated to the generator's
// parameters, and Adam updates them; one step per iteration of the returned async iterable.
import * as K from '@clipgpu/kernels';
import type { Clip } from '../clip.js';
import { noGrad, ops, tidy, type Tensor } from '../tensor/index.js';
import { Cutouts, defaultMinCutSize, resolveAugment, type AugmentOptions } from './cutouts.js';
import { fourier, pixels, siren, isGenerator, isGeneratorFactory, type Generator, type GeneratorFactory } from './generators/index.js';
import { promptLosses, tvLoss, type GuidanceLossKind, type Target } from './losses.js';
import { Adam, checkSchedule, learningRate, type AdamOptions, type LrSchedule } from '../optim.js';
import { checkPrompts, encodePrompts, type PromptInput } from './prompts.js';
import { stream, type Random } from './random.js';

export interface GenerateOptions {
  /** prompts, or one string in VQGAN+CLIP syntax ("a red apple:1|blurry:-0.5") */
  prompts: readonly PromptInput[] | string;
  /** a factory (generators.fourier({ size })), your own Generator (stays yours), or a name (default 'fourier') */
  generator?: GeneratorFactory | Generator | 'pixels' | 'fourier' | 'siren';
  /** image side for a generator given by name (default 224) */
  size?: number;
  /** optimisation steps (default 300) */
  steps?: number;
  /** cutouts per step (default 16) */
  cutn?: number;
  /** crop-size exponent: > 1 favours small crops (default 1) */
  cutPow?: number;
  /** smallest crop side in pixels (default half of min(image side, CLIP's input size)) */
  minCutSize?: number;
  /** Adam's learning rate (default 0.05) */
  lr?: number;
  schedule?: LrSchedule;
  adam?: AdamOptions;
  /** seed of every random draw: initialisation, crops, augmentations (default 0) */
  seed?: number;
  /** distance to the prompts (default 'spherical') */
  loss?: GuidanceLossKind;
  /** weight of the total-variation prior on the image (default 0) */
  tvWeight?: number;
  /** augmentations of the cutouts (default DEFAULT_AUGMENT); false for none */
  augment?: AugmentOptions | false;
  /** resampling of the cutouts (default bilinear; antialiasing 'auto' when a crop is shrunk) */
  cutMode?: K.ResizeMode;
  antialias?: boolean | 'auto';
  /** fixed crops instead of random ones: [x, y, w, h] per cutout, or per step */
  boxes?: readonly number[] | ((step: number) => readonly number[]);
  /**
   * draw this many initialisations of a generator factory and start from the one CLIP finds
   * closest to the prompts, whole image in view (as FuseDream does for GAN latents; default 1)
   */
  initCandidates?: number;
}

export interface GenerateState {
  /** 1-based */
  step: number;
  steps: number;
  /** the total loss of this step (prompts + tv) */
  loss: number;
  /** each prompt's weighted loss, in prompt order */
  losses: number[];
  labels: string[];
  /** the unweighted total-variation term, when tvWeight > 0 */
  tv?: number;
  lr: number;
  /** the image this step's loss was computed on, [1, 3, H, W] in [0, 1]; valid until the next step */
  image: Tensor;
  boxes: number[];
  /** since the first step started */
  elapsedMs: number;
}

export interface GuidanceOptions {
  loss?: GuidanceLossKind;
  tvWeight?: number;
  /** fixed crops (no sampling) */
  boxes?: readonly number[];
}

/**
 * The loss of one step for an image [1, 3, H, W]: cutouts (random from `random`, or `boxes`),
 * CLIP-normalized, encoded as one batch, distances to the targets, plus tvWeight × TV(image).
 * Builds the graph only: call total.backward() for the gradients, dispose what is returned.
 */
export function guidanceLoss(
  clip: Clip,
  image: Tensor,
  targets: readonly Target[],
  cutouts: Cutouts,
  random: Random,
  opts: GuidanceOptions = {},
): { total: Tensor; perPrompt: Tensor[]; tv?: Tensor; boxes: number[] } {
  let boxes: number[] = [];
  const tvWeight = opts.tvWeight ?? 0;
  const out = tidy(() => {
    const made = cutouts.make(image, random, opts.boxes);
    boxes = made.boxes;
    const embeds = clip.model.get_image_features(cutouts.normalize(made.cutouts));
    const { total, perPrompt } = promptLosses(embeds, targets, opts.loss ?? 'spherical');
    if (!(tvWeight > 0)) return [total, ...perPrompt];
    const tv = tvLoss(image);
    return [ops.add(total, ops.scale(tv, tvWeight)), tv, ...perPrompt];
  });
  if (!(tvWeight > 0)) return { total: out[0], perPrompt: out.slice(1), boxes };
  return { total: out[0], tv: out[1], perPrompt: out.slice(2), boxes };
}

const NAMED = { pixels, fourier, siren } as const;

function resolveGenerator(g: GenerateOptions['generator'], size: number): GeneratorFactory | Generator {
  if (g === undefined) return fourier({ size });
  if (typeof g === 'string') {
    const make = NAMED[g as keyof typeof NAMED];
    if (!make || !Object.hasOwn(NAMED, g))
      throw new Error(`generate: unknown generator '${g}' (pixels, fourier, siren; decoders need weights: generators.decoder(file))`);
    return make({ size });
  }
  if (isGenerator(g) || isGeneratorFactory(g)) return g;
  throw new Error(
    'generate: generator must be a name (pixels, fourier, siren), a factory from generators.*, or an object with parameters, render() and dispose()',
  );
}

interface Resolved {
  prompts: PromptInput[];
  generator: GeneratorFactory | Generator;
  steps: number;
  cutn: number;
  cutPow: number;
  minCutSize?: number;
  lr: number;
  schedule: LrSchedule;
  adam: AdamOptions;
  seed: number;
  loss: GuidanceLossKind;
  tvWeight: number;
  augment: AugmentOptions | false;
  cutMode: K.ResizeMode;
  antialias: boolean | 'auto';
  boxes?: GenerateOptions['boxes'];
  initCandidates: number;
}

function resolveOptions(clip: Clip, o: GenerateOptions): Resolved {
  if (!clip || typeof clip !== 'object' || !('model' in clip))
    throw new Error('generate: the first argument must be a loaded CLIP (loadClip(...))');
  if (!o || typeof o !== 'object') throw new Error('generate: options are required ({ prompts, ... })');
  const int = (name: string, v: number, min: number) => {
    if (!Number.isInteger(v) || v < min) throw new Error(`generate: ${name} must be an integer ≥ ${min}, got ${v}`);
    return v;
  };
  const num = (name: string, v: number, ok: (x: number) => boolean, what: string) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw new Error(`generate: ${name} must be ${what}, got ${v}`);
    return v;
  };
  const prompts = checkPrompts(o.prompts);
  const size = int('size', o.size ?? 224, 1);
  const r: Resolved = {
    prompts,
    generator: resolveGenerator(o.generator, size),
    steps: int('steps', o.steps ?? 300, 1),
    cutn: int('cutn', o.cutn ?? 16, 1),
    cutPow: num('cutPow', o.cutPow ?? 1, (x) => x > 0, 'a number > 0'),
    minCutSize: o.minCutSize === undefined ? undefined : int('minCutSize', o.minCutSize, 1),
    lr: num('lr', o.lr ?? 0.05, (x) => x >= 0, 'a number ≥ 0'),
    schedule: checkSchedule(o.schedule ?? 'constant'),
    adam: o.adam ?? {},
    seed: int('seed', o.seed ?? 0, 0),
    loss: o.loss ?? 'spherical',
    tvWeight: num('tvWeight', o.tvWeight ?? 0, (x) => x >= 0, 'a number ≥ 0'),
    augment: o.augment ?? {},
    cutMode: o.cutMode ?? 'bilinear',
    antialias: o.antialias ?? 'auto',
    boxes: o.boxes,
    initCandidates: int('initCandidates', o.initCandidates ?? 1, 1),
  };
  if (r.loss !== 'spherical' && r.loss !== 'cosine') throw new Error(`generate: unknown loss '${String(r.loss)}' (spherical or cosine)`);
  if (r.cutMode !== 'bilinear' && r.cutMode !== 'bicubic')
    throw new Error(`generate: unknown cutMode '${String(r.cutMode)}' (bilinear or bicubic)`);
  resolveAugment(r.augment);
  if (r.initCandidates > 1 && isGenerator(r.generator))
    throw new Error('generate: initCandidates needs a generator factory (generators.*), not a generator already made');
  if (Array.isArray(r.boxes) && (r.boxes.length === 0 || r.boxes.length % 4 !== 0))
    throw new Error(`generate: boxes must hold 4 numbers (x, y, w, h) per cutout, got ${r.boxes.length}`);
  const known = isGenerator(r.generator) ? undefined : r.generator.size;
  if (known) checkImageSize(known[0], known[1], r, clip);
  return r;
}

function checkImageSize(h: number, w: number, r: Resolved, clip: Clip): void {
  const S = clip.config.vision_config.image_size;
  const min = r.minCutSize ?? defaultMinCutSize(h, w, S);
  if (!r.boxes && min > Math.min(h, w))
    throw new Error(`generate: the image (${h}×${w}) is smaller than the smallest cutout (minCutSize ${min})`);
}

/** A running generation: iterate it (once) for the steps; stop() ends it after the current step. */
export class GenerationRun implements AsyncIterable<GenerateState> {
  private stopRequested = false;
  private started = false;
  /** the last step's image once the iteration has ended (yours to dispose, or call dispose()) */
  finalImage?: Tensor;

  constructor(
    private readonly clip: Clip,
    private readonly opts: Resolved,
  ) {}

  /** Ends the run after the step in progress. */
  stop(): void {
    this.stopRequested = true;
  }

  get stopped(): boolean {
    return this.stopRequested;
  }

  [Symbol.asyncIterator](): AsyncIterator<GenerateState> {
    if (this.started) throw new Error('generate: a run can be iterated only once');
    this.started = true;
    return this.steps();
  }

  dispose(): void {
    this.finalImage?.dispose();
    this.finalImage = undefined;
  }

  private async *steps(): AsyncGenerator<GenerateState> {
    const { clip, opts: o } = this;
    const rt = clip.runtime;
    const S = clip.config.vision_config.image_size;
    let targets: Target[] = [];
    let gen: Generator | undefined;
    let cutouts: Cutouts | undefined;
    let adam: Adam | undefined;
    let last: Tensor | undefined;
    const owned = !isGenerator(o.generator);
    try {
      targets = await encodePrompts(clip, o.prompts);
      gen = isGenerator(o.generator) ? o.generator : await bestInitialisation(clip, o.generator, targets, o);
      if (!gen.parameters.length || gen.parameters.some((p) => !p.requiresGrad))
        throw new Error('generate: the generator must have parameters, each with requiresGrad');
      cutouts = new Cutouts(rt, {
        cutSize: S,
        cutn: o.cutn,
        cutPow: o.cutPow,
        minSize: o.minCutSize,
        augment: o.augment,
        mode: o.cutMode,
        antialias: o.antialias,
      });
      adam = new Adam(gen.parameters, o.adam);
      adam.zeroGrad(); // a generator passed in may carry gradients from earlier use
      const random = stream(o.seed, 'cutouts');
      const labels = targets.map((t) => t.label);
      const start = Date.now();
      for (let step = 1; step <= o.steps && !this.stopRequested; step++) {
        const lr = learningRate(o.schedule, o.lr, step - 1, o.steps);
        const given = typeof o.boxes === 'function' ? o.boxes(step) : o.boxes;
        let boxes: number[] = [];
        let hasTv = false;
        const [img, total, readout] = tidy(() => {
          const image = gen!.render();
          if (step === 1) {
            if (image.shape.length !== 4 || image.shape[0] !== 1 || image.shape[1] !== 3)
              throw new Error(`generate: the generator rendered [${image.shape.join(', ')}], expected [1, 3, H, W]`);
            checkImageSize(image.shape[2], image.shape[3], o, clip);
          }
          const g = guidanceLoss(clip, image, targets, cutouts!, random, { loss: o.loss, tvWeight: o.tvWeight, boxes: given });
          boxes = g.boxes;
          hasTv = !!g.tv;
          const values = noGrad(() =>
            ops.concat(
              [...g.perPrompt, ...(g.tv ? [g.tv] : []), g.total].map((t) => ops.reshape(t, [1])),
              0,
            ),
          );
          return [image, g.total, values];
        });
        let values: Float32Array;
        try {
          await total.backward();
          adam.step(lr);
          adam.zeroGrad();
          values = (await readout.toArray()) as Float32Array;
        } finally {
          total.dispose();
          readout.dispose();
        }
        // the rendered image without its (spent) graph link
        const image = img.view(img.shape);
        img.dispose();
        last?.dispose();
        last = image;
        // this step's crop tables will not be reused: free them rather than let them fill the cache
        K.clearResizeCache(rt.gpu);
        const loss = values[values.length - 1];
        if (!Number.isFinite(loss)) throw new Error(`generate: the loss is ${loss} at step ${step} (learning rate too high?)`);
        yield {
          step,
          steps: o.steps,
          loss,
          losses: Array.from(values.subarray(0, targets.length)),
          labels,
          tv: hasTv ? values[targets.length] : undefined,
          lr,
          image,
          boxes,
          elapsedMs: Date.now() - start,
        };
      }
    } finally {
      adam?.dispose();
      cutouts?.dispose();
      targets.forEach((t) => t.embedding.dispose());
      if (owned) gen?.dispose();
      this.finalImage = last;
    }
  }
}

/** The factory's generator from the run's seed, or the best of o.initCandidates draws by the prompts' loss on the whole image. */
async function bestInitialisation(clip: Clip, factory: GeneratorFactory, targets: Target[], o: Resolved): Promise<Generator> {
  const draw = (i: number) =>
    factory.create({ runtime: clip.runtime, seed: o.seed, random: stream(o.seed, i === 0 ? 'init' : `init-${i}`) });
  let best = await draw(0);
  if (o.initCandidates === 1) return best;
  const S = clip.config.vision_config.image_size;
  // the whole image as CLIP's own preprocessing shows it (bicubic, antialiased), whatever the
  // run's crops use: an image larger than CLIP's input is judged as a user's picture would be
  const cutouts = new Cutouts(clip.runtime, { cutSize: S, cutn: 1, augment: false, mode: 'bicubic', antialias: true });
  const score = async (g: Generator) => {
    const loss = noGrad(() =>
      tidy(() => {
        const image = g.render();
        return guidanceLoss(clip, image, targets, cutouts, stream(0, 'unused'), {
          loss: o.loss,
          boxes: [0, 0, image.shape[3]!, image.shape[2]!],
        }).total;
      }),
    );
    const value = await loss.item();
    loss.dispose();
    return value;
  };
  try {
    let bestLoss = await score(best);
    for (let i = 1; i < o.initCandidates; i++) {
      const g = await draw(i);
      const l = await score(g);
      if (l < bestLoss) [best, bestLoss] = [(best.dispose(), g), l];
      else g.dispose();
    }
  } catch (e) {
    best.dispose();
    throw e;
  } finally {
    cutouts.dispose();
  }
  return best;
}

/**
 * CLIP-guided generation. Options are checked here (bad ones throw at once); prompts are encoded
 * and the generator made when iteration starts.
 *
 * ```ts
 * const run = generate(clip, { prompts: 'a red apple:1|blurry:-0.5', generator: generators.fourier({ size: 224 }), steps: 300 });
 * for await (const s of run) console.log(s.step, s.loss, s.losses);
 * const png = await encodePng(await imageToRgb(run.finalImage!));
 * ```
 */
export function generate(clip: Clip, opts: GenerateOptions): GenerationRun {
  return new GenerationRun(clip, resolveOptions(clip, opts));
}
