// The browser build's stand-in for dawn.node.ts: pages get WebGPU from navigator.gpu, never Dawn.
import type * as NodeTwin from './dawn.node.js';

export const nodeAdapter: typeof NodeTwin.nodeAdapter = async () => {
  throw new Error(
    "clipgpu: this is the browser build of @clipgpu/kernels and there is no navigator.gpu here. In Node, import the package's Node entry (the 'node' export condition, which Node picks by default).",
  );
};
