/// <reference types="@webgpu/types" preserve="true" />
// @clipgpu/clip-runtime: tensors with autograd on @clipgpu/kernels, CLIP loading and inference.
export * from './tensor/index.js';
export { Clip, loadClip, type ClipSource, type LoadClipOptions } from './clip.js';
export { ClipModel, disposeOutput } from './model/clip.js';
export {
  parseHfConfig,
  inferOpenAiConfig,
  type ClipConfig,
  type ClipTextConfig,
  type ClipVisionConfig,
  type HiddenAct,
} from './model/config.js';
export { Weights } from './model/layers.js';
export { preprocessImage, resizeOutputSize, CLIP_MEAN, CLIP_STD } from './model/preprocess.js';
export { ClipTokenizer, cleanText, type ClipTokenizerSource, type TokenizeOptions } from './io/tokenizer.js';
export { decodeImage, encodePng, chwToRgb, type ImageSource, type RgbImage } from './io/image.js';
export { memoryFiles, urlFiles, resolveFiles, type ModelFiles, type FileContents } from './io/files.js';
export { folderFiles } from './io/local.node.js';
export { loadWeights, type LoadWeightsOptions } from './io/loader.js';
export {
  SafetensorsError,
  parseHeader,
  readHeader,
  bytesSource,
  fileSource,
  blobSource,
  urlSource,
  readTensorF32,
  readTensorF16Bits,
  f16BitsToF32,
  f32ToF16Bits,
  bf16BitsToF32,
  writeSafetensors,
  dtypeSize,
  MAX_HEADER_BYTES,
  type SafetensorsDtype,
  type TensorInfo,
  type SafetensorsHeader,
  type ByteSource,
  type ReadOptions,
  type WritableTensor,
} from './io/safetensors.js';
export * from './generate/index.js';
export { fetchModel, hubModelFiles, isRepoId, HUB_URL, type HubOptions } from './io/hub.js';
export { embeddedModelPath, embeddedModelFiles, embeddedModelUrls, EMBEDDED_NAMES, type EmbeddedName } from './io/embedded.js';
