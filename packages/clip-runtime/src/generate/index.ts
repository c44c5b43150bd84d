// CLIP-guided generation: generate(clip, { prompts, generator, steps, ... }) and its parts.
import { chwToRgb, type RgbImage } from '../io/image.js';
import type { Tensor } from '../tensor/index.js';

export { generate, guidanceLoss, GenerationRun, type GenerateOptions, type GenerateState, type GuidanceOptions } from './generate.js';
export { parsePrompts, encodePrompts, checkPrompts, type PromptInput } from './prompts.js';
export { promptLosses, sphericalDistance, cosineDistance, tvLoss, type GuidanceLossKind, type Target } from './losses.js';
export {
  Cutouts,
  sampleBoxes,
  defaultMinCutSize,
  resolveAugment,
  DEFAULT_AUGMENT,
  type AugmentOptions,
  type CutoutOptions,
} from './cutouts.js';
export { Adam, learningRate, warmupCosine, type AdamOptions, type LrSchedule } from '../optim.js';
export { mulberry32, stream, randn, randu, type Random } from './random.js';
export * from './generators/index.js';

/** An image tensor [1, 3, H, W] (or [3, H, W]) in [0, 1] → 8-bit RGB (for encodePng). */
export async function imageToRgb(image: Tensor): Promise<RgbImage> {
  const [h, w] = image.shape.slice(-2);
  if (image.size !== 3 * h * w) throw new Error(`imageToRgb: expected one RGB image [1, 3, H, W], got [${image.shape.join(', ')}]`);
  return chwToRgb((await image.toArray()) as Float32Array, h, w);
}
