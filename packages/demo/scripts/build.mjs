#!/usr/bin/env node
// Builds the demo into packages/demo/dist/: one esbuild bundle of main.ts with the built
// @clipgpu/clip-runtime and @clipgpu/kernels, resolved as a user's bundler resolves them (their
// browser builds, through package.json exports; `pnpm build` first), index.html, style.css, the
// embedded models and samples copied from the runtime package's assets/ folder, and demo.json, the
// manifest the page reads to know which models, decoder, samples and benchmark page exist.
//
//   node packages/demo/scripts/build.mjs [--minify]
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEMO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = resolve(DEMO, '../..');
export const DIST = join(DEMO, 'dist');
const WEIGHTS = join(ROOT, 'packages/clip-runtime/assets');
const IMAGE = /\.(png|jpe?g|webp)$/i;

/** Embedded CLIPs: weights/<name>/ holding config.json + model.safetensors (the tiny one first). */
function clipModels() {
  if (!existsSync(WEIGHTS)) return [];
  return readdirSync(WEIGHTS)
    .filter((n) => existsSync(join(WEIGHTS, n, 'config.json')) && existsSync(join(WEIGHTS, n, 'model.safetensors')))
    .sort((a, b) => (a === 'clipgpu-tiny' ? -1 : b === 'clipgpu-tiny' ? 1 : a.localeCompare(b)));
}

/** The decoder's weights file: weights/decoder-tiny/*.safetensors (model.safetensors preferred). */
function decoderFile() {
  const dir = join(WEIGHTS, 'decoder-tiny');
  if (!existsSync(dir)) return null;
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.safetensors'))
    .sort((a, b) => (a === 'model.safetensors' ? -1 : b === 'model.safetensors' ? 1 : a.localeCompare(b)));
  return files[0] ?? null;
}

function samples() {
  const dir = join(WEIGHTS, 'samples');
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => IMAGE.test(f))
        .sort()
    : [];
}

/**
 * What a sample shows, from its name, as the default labels and the e2e test's expected top label:
 * "1-red-circle.png" → "a red circle", "orange_ring-2.png" → "an orange ring".
 */
export function sampleCaption(file) {
  const words = basename(file)
    .replace(IMAGE, '')
    .replace(/^\d+[-_]|[-_]\d+$/g, '')
    .replace(/[-_]+/g, ' ')
    .trim();
  return `${/^[aeiou]/i.test(words) ? 'an' : 'a'} ${words}`;
}

/**
 * The benchmark page into dist/bench/, built by packages/bench/scripts/build-page.mjs (the same
 * files `pnpm bench` serves). Null when it does not build: the demo then shows a placeholder link.
 */
async function benchPage(common) {
  try {
    const { buildBenchPage } = await import('../../bench/scripts/build-page.mjs');
    await buildBenchPage({ outdir: join(DIST, 'bench'), esbuild: { ...common, sourcemap: false } });
    return './bench/';
  } catch (e) {
    console.warn(`the benchmark page did not bundle (a placeholder link instead): ${e.message.split('\n')[0]}`);
    rmSync(join(DIST, 'bench'), { recursive: true, force: true });
    return null;
  }
}

export async function buildDemo({ minify = false, quiet = false } = {}) {
  const t0 = Date.now();
  rmSync(DIST, { recursive: true, force: true });
  mkdirSync(DIST, { recursive: true });
  const common = {
    absWorkingDir: ROOT,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: 'linked',
    minify,
    // not the root tsconfig.json, whose paths point the packages at their sources
    tsconfigRaw: {},
    logLevel: quiet ? 'error' : 'warning',
  };
  await build({ ...common, entryPoints: { main: join(DEMO, 'src/main.ts') }, outdir: DIST });
  cpSync(join(DEMO, 'index.html'), join(DIST, 'index.html'));
  cpSync(join(DEMO, 'src/style.css'), join(DIST, 'style.css'));

  const manifest = { models: [], decoder: null, samples: [], bench: null, builtAt: new Date().toISOString() };
  for (const name of clipModels()) {
    cpSync(join(WEIGHTS, name), join(DIST, 'weights', name), { recursive: true });
    manifest.models.push({ id: name, label: `${name} (embedded)`, url: `./weights/${name}/` });
  }
  const dec = decoderFile();
  if (dec) {
    cpSync(join(WEIGHTS, 'decoder-tiny', dec), join(DIST, 'weights/decoder-tiny', dec));
    manifest.decoder = `./weights/decoder-tiny/${dec}`;
  }
  for (const f of samples()) {
    cpSync(join(WEIGHTS, 'samples', f), join(DIST, 'weights/samples', f));
    manifest.samples.push({ name: f, caption: sampleCaption(f), url: `./weights/samples/${f}` });
  }
  manifest.bench = await benchPage(common);
  writeFileSync(join(DIST, 'demo.json'), JSON.stringify(manifest, null, 2));
  const bytes = (p) => (statSync(p).isDirectory() ? readdirSync(p).reduce((s, f) => s + bytes(join(p, f)), 0) : statSync(p).size);
  if (!quiet)
    console.log(
      `built the demo in ${Date.now() - t0} ms → ${DIST} (${(bytes(DIST) / 1e6).toFixed(1)} MB): ` +
        `${manifest.models.length} embedded model(s)${manifest.models.length ? '' : ' (none yet in weights/: load one from Hugging Face)'}, ` +
        `decoder ${manifest.decoder ? 'yes' : 'no'}, ${manifest.samples.length} sample(s), benchmark page ${manifest.bench ? 'yes' : 'no'}`,
    );
  return manifest;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildDemo({ minify: process.argv.includes('--minify') }).catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
}
