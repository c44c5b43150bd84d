/// <reference types="@webgpu/types" preserve="true" />
// @clipgpu/clip-runtime: CLIP on WebGPU with autograd. Every export is named here; the pieces
// beneath (decoder layers, cutouts, losses, format details) are in '@clipgpu/clip-runtime/internals'.

// tensors and autograd
export { Tensor, type DType } from './tensor/tensor.js';
export { Runtime, init, runtime, setRuntime, type RuntimeStats } from './tensor/runtime.js';
export { noGrad, tidy, isGradEnabled } from './tensor/autograd.js';
export * as ops from './tensor/ops/index.js';
export { Adam, learningRate, warmupCosine, type AdamOptions, type LrSchedule } from './optim.js';

// CLIP
export { Clip, loadClip, type ClipSource, type LoadClipOptions } from './clip.js';
export { ClipModel } from './model/clip.js';
export { Weights, type AttnImplementation, type ModelOptions } from './model/layers.js';
export { parseHfConfig, type ClipConfig, type ClipTextConfig, type ClipVisionConfig, type HiddenAct } from './model/config.js';
export { preprocessImage, CLIP_MEAN, CLIP_STD } from './model/preprocess.js';
export { ClipTokenizer, type ClipTokenizerSource, type TokenizeOptions } from './io/tokenizer.js';

// files, weights, images
export { memoryFiles, urlFiles, resolveFiles, type ModelFiles, type FileContents } from './io/files.js';
export { folderFiles, fileSource } from './io/local.node.js';
export {
  SafetensorsError,
  readHeader,
  readTensorF32,
  writeSafetensors,
  bytesSource,
  blobSource,
  urlSource,
  type ByteSource,
  type SafetensorsDtype,
  type SafetensorsHeader,
  type TensorInfo,
  type ReadOptions,
  type WritableTensor,
} from './io/safetensors.js';
export { fetchModel, hubModelFiles } from './io/hub-cache.node.js';
export type { HubOptions } from './io/hub.js';
export { embeddedModelFiles, embeddedModelPath, type EmbeddedName } from './io/embedded.js';
export { decodeImage, encodePng, chwToRgb, type ImageSource, type RgbImage } from './io/image.js';

// CLIP-guided generation
export { generate, GenerationRun, type GenerateOptions, type GenerateState } from './generate/generate.js';
export { parsePrompts, type PromptInput } from './generate/prompts.js';
export type { AugmentOptions, CutoutOptions } from './generate/cutouts.js';
export { imageToRgb } from './generate/index.js';
export {
  generators,
  readDecoderWeights,
  writeDecoderWeights,
  randomDecoderWeights,
  decoderArchitecture,
  type Generator,
  type GeneratorContext,
  type GeneratorFactory,
  type PixelsOptions,
  type FourierOptions,
  type SirenOptions,
  type DecoderOptions,
  type DecoderSource,
  type DecoderWeights,
  type DecoderArchitecture,
  type PixelDecoderArchitecture,
  type ConvDecoderArchitecture,
} from './generate/generators/index.js';
