export { Tensor, Storage, sizeOf, type DType } from './tensor.js';
export { Runtime, init, runtime, setRuntime, type RuntimeStats } from './runtime.js';
export { noGrad, tidy, isGradEnabled } from './autograd.js';
export * as ops from './ops/index.js';
