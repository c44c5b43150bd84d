/**
 * Generators for CLIP-guided generation: trainable tensors → an image [1, 3, H, W] in [0, 1].
 *
 * Built in (each call returns a factory; generate() creates it with the run's seed):
 * - `generators.pixels({ size })`: RGB logits through a sigmoid.
 * - `generators.fourier({ size, decay })`: Lucid's decorrelated Fourier parameterization.
 * - `generators.siren({ size, layers, width, w0 })`: a SIREN over pixel coordinates (deep-daze).
 * - `generators.decoder(weights?, { latentDim })`: a frozen GAN-style decoder; only z is trained.
 *
 * Your own generator is any object with trainable `parameters`, a `render()` built from ops (so
 * gradients reach the parameters) and `dispose()`. For example, a blurred pixel image:
 *
 * ```ts
 * import { generate, ops, Tensor, tidy, type Generator } from '@clipgpu/clip-runtime';
 *
 * const size = 224;
 * const logits = Tensor.zeros([1, 3, size / 4, size / 4], { requiresGrad: true });
 * const blurry: Generator = {
 *   parameters: [logits],
 *   // tidy() frees the intermediates; autograd keeps what backward needs
 *   render: () => tidy(() => ops.sigmoid(ops.resize(logits, size, size, { mode: 'bicubic', antialias: false }))),
 *   dispose: () => logits.dispose(),
 * };
 * for await (const s of generate(clip, { prompts: 'a watercolor fox', generator: blurry, steps: 200 })) {
 *   console.log(s.step, s.loss);
 * }
 * blurry.dispose(); // a generator you pass in stays yours
 * ```
 *
 * To get the run's seed for initialisation, pass a factory instead:
 * `{ kind: 'mine', size: [H, W], create: ({ runtime, random }) => makeGenerator(random) }`.
 */
import { decoder } from './decoder.js';
import { fourier } from './fourier.js';
import { pixels } from './pixels.js';
import { siren } from './siren.js';

export const generators = { pixels, fourier, siren, decoder };

export { pixels, type PixelsOptions } from './pixels.js';
export { fourier, fourierBases, COLOR_CORRELATION_SVD_SQRT, type FourierOptions } from './fourier.js';
export { siren, sirenCoordinates, type SirenOptions } from './siren.js';
export {
  DECODER_INIT_CANDIDATES,
  decoder,
  decoderArchitecture,
  decoderOutputSize,
  decoderAtSize,
  decoderTensorShapes,
  randomDecoderWeights,
  readDecoderWeights,
  writeDecoderWeights,
  upsampleNearest2x,
  appendCoordinates,
  decodeLatents,
  decodeStyles,
  decoderLayers,
  decoderPlacements,
  decoderStyle,
  pixelInputs,
  placementFrame,
  checkArchitecture,
  pixelCoordinates,
  type ConvDecoderArchitecture,
  type PixelDecoderArchitecture,
  type DecoderArchitecture,
  type DecoderOptions,
  type DecoderSource,
  type DecoderWeights,
} from './decoder.js';
export { isGenerator, isGeneratorFactory, type Generator, type GeneratorContext, type GeneratorFactory } from './types.js';
