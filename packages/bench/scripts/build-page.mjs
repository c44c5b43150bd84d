// Builds the benchmark page into a folder: bench.js (src/page/main.ts bundled with the built
// @clipgpu/kernels and @clipgpu/clip-runtime, resolved through their package.json exports as a
// user's bundler resolves them), index.html, bench.css and the runtime's clip-bpe asset. The demo's build puts it at
// dist/bench/; `pnpm bench` (src/run.mjs) serves the same files to headless Chromium.
import { build } from 'esbuild';
import { copyFileSync, cpSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PKG = resolve(fileURLToPath(import.meta.url), '../..');
const ROOT = resolve(PKG, '../..');

/**
 * @param {{ outdir: string, esbuild?: import('esbuild').BuildOptions }} opts
 *   esbuild: options laid over the defaults (the demo passes its own minify, sourcemap, log level)
 */
export async function buildBenchPage({ outdir, esbuild = {} }) {
  mkdirSync(outdir, { recursive: true });
  await build({
    absWorkingDir: ROOT,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    // not the root tsconfig.json, whose paths point the packages at their sources
    tsconfigRaw: {},
    logLevel: 'warning',
    ...esbuild,
    entryPoints: { bench: join(PKG, 'src/page/main.ts') },
    outdir,
  });
  copyFileSync(join(PKG, 'src/page/page.html'), join(outdir, 'index.html'));
  copyFileSync(join(PKG, 'src/page/bench.css'), join(outdir, 'bench.css'));
  // the runtime finds OpenAI's vocabulary at new URL('./assets/clip-bpe/…', the bundle), as a
  // bundler that follows those URLs would copy it (esbuild does not): the e2e model has no tokenizer
  cpSync(join(ROOT, 'packages/clip-runtime/assets/clip-bpe'), join(outdir, 'assets/clip-bpe'), { recursive: true });
  return outdir;
}
