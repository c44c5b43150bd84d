import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [
    {
      name: 'wgsl-as-text',
      transform(code, id) {
        if (id.endsWith('.wgsl')) return { code: `export default ${JSON.stringify(code)};`, map: null };
      },
    },
  ],
  // Tests run on the sources; the built dist/ bundles are checked by the browser suite and smoke tests.
  resolve: {
    alias: [
      { find: /^@clipgpu\/kernels$/, replacement: fileURLToPath(new URL('./packages/kernels/src/index.ts', import.meta.url)) },
      { find: /^@clipgpu\/kernels\/testing$/, replacement: fileURLToPath(new URL('./packages/kernels/src/testing.ts', import.meta.url)) },
      { find: /^@clipgpu\/clip-runtime$/, replacement: fileURLToPath(new URL('./packages/clip-runtime/src/index.ts', import.meta.url)) },
      {
        find: /^@clipgpu\/clip-runtime\/internals$/,
        replacement: fileURLToPath(new URL('./packages/clip-runtime/src/internals.ts', import.meta.url)),
      },
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    // Dawn is a native addon: forks, not worker threads. SwiftShader already uses both cores, so
    // two test files at once is the most that helps.
    pool: 'forks',
    maxWorkers: 2,
    // SwiftShader compiles each new pipeline in seconds, and a loaded 2-core CI machine can take
    // minutes for a test that compiles many: generous bounds, speed lives in the benchmarks.
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
