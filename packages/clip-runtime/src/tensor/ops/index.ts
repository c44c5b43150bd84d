// The ops CLIP and generators are built from, one file per kernel family; each records its
// backward rule when a gradient is needed.
export * from './elementwise.js';
export * from './matmul.js';
export * from './attention.js';
export * from './layernorm.js';
export * from './softmax.js';
export * from './reduce.js';
export * from './layout.js';
export * from './image.js';
