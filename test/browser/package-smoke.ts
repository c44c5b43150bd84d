// Browser smoke test of the built package, imported the way a user imports it: '@clipgpu/kernels'
// resolves through its package.json exports (the 'browser' condition) to packages/kernels/dist/browser/ (run `pnpm build` first).
import { adapterName, Gpu, unary } from '@clipgpu/kernels';
import { describe, expect, it } from 'vitest';

describe('@clipgpu/kernels from dist', () => {
  it('requests a device and runs a unary kernel', async () => {
    const gpu = await Gpu.create();
    try {
      expect(adapterName(gpu.adapter)).toMatch(/\S/);
      const n = 1000;
      const x = Float32Array.from({ length: n }, (_, i) => (i - 500) / 64);
      const X = gpu.upload(x, 'x');
      const Y = gpu.createBuffer(n * 4, 'y');
      gpu.poison(Y);
      unary(gpu, 'relu', X, Y, n);
      const y = await gpu.readF32(Y, n);
      expect(Array.from(y)).toEqual(Array.from(x, (v) => Math.max(0, v)));
      unary(gpu, 'scale', X, Y, n, { alpha: 2, beta: 1 });
      const z = await gpu.readF32(Y, n);
      expect(Array.from(z)).toEqual(Array.from(x, (v) => 2 * v + 1));
      expect(() => unary(gpu, 'relu', X, Y, n + 1)).toThrow(/unary: buffer 'x'/);
    } finally {
      gpu.destroy();
    }
  });
});
