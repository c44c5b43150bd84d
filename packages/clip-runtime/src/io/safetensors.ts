// Safetensors reading and writing (https://github.com/huggingface/safetensors): the format, its
// validation, byte sources and decoding live in safetensors-read.ts, serialisation in
// safetensors-write.ts. This module re-exports the public API of both so importers need one path.
export {
  SafetensorsError,
  MAX_HEADER_BYTES,
  dtypeSize,
  parseHeader,
  bytesSource,
  blobSource,
  urlSource,
  readHeader,
  readTensorF32,
  readTensorF16Bits,
  type SafetensorsDtype,
  type TensorInfo,
  type SafetensorsHeader,
  type ByteSource,
  type ReadOptions,
} from './safetensors-read.js';
export { writeSafetensors, type WritableTensor } from './safetensors-write.js';
export { fileSource } from './local.node.js';
// the half-precision conversions are the kernels' (one implementation for packing and reading)
export { bf16BitsToF32, f16BitsToF32, f32ToF16Bits } from '@clipgpu/kernels';
