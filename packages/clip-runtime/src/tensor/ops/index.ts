// The ops CLIP and generators are built from; each records its backward rule when a gradient is needed.
export * from './elementwise.js';
export * from './matmul.js';
export * from './nn.js';
export * from './reduce.js';
export * from './shape.js';
export * from './image.js';
