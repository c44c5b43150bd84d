/// <reference types="@webgpu/types" preserve="true" />
// @clipgpu/kernels: WebGPU device set-up, the kernel runtime, and hand-written WGSL kernels with
// their backward passes. Each kernel family lives in its own folder beside its float64 reference.
export { requestDevice, adapterName, type AdapterReport, type DeviceHandle, type RequestDeviceOptions } from './device.js';
export { Gpu, type BufferArg, type BufferSlice, type RunArgs } from './gpu.js';
export type { KernelTime } from './profiler.js';
export { Program, KernelError, grid, type ProgramBinding, type UniformField, type Workgroups } from './program.js';
export { TOLERANCE } from './tolerances.js';
export { mulberry32, randn, randu, type Random } from './random.js';
export { gentleWait } from './gentle-wait.js';
export { f16BitsToF32, f32ToF16Bits, bf16BitsToF32, packF16, roundToF16 } from './f16.js';
export * from './elementwise/elementwise.js';
export * from './reduce/sum_columns.js';
export * from './layout/layout.js';
export * from './image/image.js';
export * from './optim/optim.js';
export * from './layernorm/layernorm.js';
export * from './softmax/softmax.js';
export * from './reduce/reduce.js';
export * from './matmul/matmul.js';
export * from './matmul/matmul_backward.js';
export * from './attention/attention.js';
export * from './probe/probe.js';
