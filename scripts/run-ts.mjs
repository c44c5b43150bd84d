// Runs a TypeScript entry of the repository with plain node: bundles it (and the workspace
// packages' sources, WGSL inlined) with esbuild into node_modules/.cache/clipgpu/, then imports it.
//   node scripts/run-ts.mjs packages/train/src/train-clip.ts --steps 100
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-ts.mjs <entry.ts> [args...]');
  process.exit(2);
}
// inside clip-runtime's node_modules, so its dependencies (pngjs, cli-progress, ...) resolve, and the
// root's (webgpu) further up; two folders down, as src/io/ and dist/node/ are, so the runtime's
// new URL('../../assets/…', import.meta.url) finds the package's assets
const outDir = path.join(root, 'packages', 'clip-runtime', 'node_modules', '.run-ts');
mkdirSync(outDir, { recursive: true });
const name = path.basename(entry).replace(/\.ts$/, '');
const outfile = path.join(outDir, `${name}.mjs`);
await build({
  entryPoints: [path.resolve(root, entry)],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'inline',
  loader: { '.wgsl': 'text' },
  alias: {
    '@clipgpu/kernels': path.join(root, 'packages/kernels/src/index.ts'),
    '@clipgpu/clip-runtime': path.join(root, 'packages/clip-runtime/src/index.ts'),
    '@clipgpu/clip-runtime/internals': path.join(root, 'packages/clip-runtime/src/internals.ts'),
  },
  // native or CommonJS packages stay imports (resolved from the repository's node_modules)
  external: ['webgpu', 'pngjs', 'jpeg-js', 'cli-progress', '@huggingface/hub'],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
});
process.argv = [process.argv[0], outfile, ...args];
process.env.CLIPGPU_MAIN = name;
await import(pathToFileURL(outfile).href);
