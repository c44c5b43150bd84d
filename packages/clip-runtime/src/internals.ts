/// <reference types="@webgpu/types" preserve="true" />
// @clipgpu/clip-runtime/internals: the pieces beneath the public API that the training package,
// the tests, the bench and the demo build on. No stability promise: the public API is the root.
export { Storage, sizeOf } from './tensor/tensor.js';
export { composedAttention } from './model/attention.js';
export { disposeOutput } from './model/clip.js';
export { inferOpenAiConfig } from './model/config.js';
export { resizeOutputSize } from './model/preprocess.js';
export { expectedTensors } from './io/layout.js';
export { loadWeights, type LoadWeightsOptions } from './io/loader.js';
export { byteSymbols, cleanText } from './io/tokenizer.js';
export { chwGrid } from './io/image.js';
export {
  parseHeader,
  dtypeSize,
  readTensorF16Bits,
  MAX_HEADER_BYTES,
  f16BitsToF32,
  f32ToF16Bits,
  bf16BitsToF32,
} from './io/safetensors.js';
export { isRepoId, HUB_URL } from './io/hub.js';
export { defaultCacheDir } from './io/hub-cache.node.js';
export { embeddedModelUrls, EMBEDDED_NAMES } from './io/embedded.js';
export { guidanceLoss, type GuidanceOptions } from './generate/generate.js';
export { encodePrompts, checkPrompts } from './generate/prompts.js';
export { promptLosses, sphericalDistance, cosineDistance, tvLoss, type GuidanceLossKind, type Target } from './generate/losses.js';
export { Cutouts, sampleBoxes, defaultMinCutSize, resolveAugment, DEFAULT_AUGMENT } from './generate/cutouts.js';
export { mulberry32, stream, randn, randu, type Random } from './generate/random.js';
export { checkSchedule } from './optim.js';
export {
  pixels,
  fourier,
  fourierBases,
  COLOR_CORRELATION_SVD_SQRT,
  siren,
  sirenCoordinates,
  decoder,
  DECODER_INIT_CANDIDATES,
  decoderOutputSize,
  decoderAtSize,
  decoderTensorShapes,
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
  isGenerator,
  isGeneratorFactory,
} from './generate/generators/index.js';
export { decoderReference } from './generate/generators/decoder.ref.js';
