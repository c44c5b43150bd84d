/// <reference types="@webgpu/types" preserve="true" />
// @clipgpu/clip-runtime/internals: the pieces beneath the public API that the training package,
// the tests and the bench build on. No stability promise: the public API is the package's root.
export { expectedTensors } from './io/layout.js';
export { byteSymbols } from './io/tokenizer.js';
export { decoderReference } from './generate/generators/decoder.ref.js';
export { chwGrid } from './io/image.js';
