#!/usr/bin/env node
// The long soak (not a test): encode calls, then a guided generation, on the tiny fixture model for
// a fixed wall-clock budget, sampling GPU memory (runtime.stats()), the pipeline cache and the JS
// heap (after a forced GC); prints the figures as JSON and exits 1 if anything grew after warm-up.
//   node test/hardening/soak.mjs [--minutes 4] [--generate-share 0.4]
// It bundles the workspace sources with esbuild (as the tests run them), so no build is needed.
import { build } from 'esbuild';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const minutes = Math.min(arg('minutes', 4), 5);
const generateShare = arg('generate-share', 0.4);

const outDir = path.join(root, 'node_modules', '.cache', 'clipgpu-hardening');
mkdirSync(outDir, { recursive: true });
const outfile = path.join(outDir, 'clip-runtime.mjs');
await build({
  stdin: {
    contents:
      "export * from '@clipgpu/clip-runtime'; export { generate, generators } from './packages/clip-runtime/src/generate/index.ts';",
    resolveDir: root,
    loader: 'ts',
  },
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  loader: { '.wgsl': 'text' },
  alias: {
    '@clipgpu/kernels': path.join(root, 'packages/kernels/src/index.ts'),
    '@clipgpu/clip-runtime': path.join(root, 'packages/clip-runtime/src/index.ts'),
  },
  external: ['webgpu', 'pngjs', 'jpeg-js', 'cli-progress'],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
});
const { init, loadClip, memoryFiles, Tensor, generate, generators } = await import(pathToFileURL(outfile).href);

let gc = globalThis.gc;
if (!gc) {
  try {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc');
  } catch {}
}
const heap = () => {
  gc?.();
  return process.memoryUsage().heapUsed;
};
const MiB = 2 ** 20;
const pipelinesOf = (rt) => [...rt.gpu.pipelines.values()].reduce((n, m) => n + m.size, 0);
const fixture = path.join(root, 'test/fixtures/clip/tiny-quickgelu');

const rt = await init();
const clip = await loadClip(
  memoryFiles({
    'config.json': readFileSync(path.join(fixture, 'config.json'), 'utf8'),
    'model.safetensors': new Uint8Array(readFileSync(path.join(fixture, 'model.safetensors'))),
  }),
);
const budgetMs = minutes * 60_000;
const t0 = Date.now();
const problems = [];

// ---- encode calls
const x = Tensor.from(
  Float32Array.from({ length: 3 * 30 * 30 }, (_, i) => Math.sin(i)),
  [1, 3, 30, 30],
);
const ids = Tensor.from(Int32Array.from([97, 10, 20, 30, 98, 0, 0]), [1, 7]);
const call = async (i) => {
  const e = i % 2 ? await clip.encodeText(ids) : await clip.encodeImage(x);
  await e.toArray();
  e.dispose();
};
for (let i = 0; i < 20; i++) await call(i);
const encBase = rt.stats();
const encPipelines = pipelinesOf(rt);
const encHeap = [heap()];
let calls = 0;
const encodeUntil = t0 + budgetMs * (1 - generateShare);
while (Date.now() < encodeUntil) {
  await call(calls++);
  if (calls % 500 === 0) {
    const s = rt.stats();
    if (JSON.stringify(s) !== JSON.stringify(encBase))
      problems.push(`encode: stats ${JSON.stringify(s)} after ${calls} calls, ${JSON.stringify(encBase)} at warm-up`);
    encHeap.push(heap());
  }
}
encHeap.push(heap());
const encodeSeconds = (Date.now() - t0) / 1000;
if (pipelinesOf(rt) !== encPipelines) problems.push(`encode: ${pipelinesOf(rt)} pipelines, ${encPipelines} at warm-up`);

// ---- a guided generation for the rest of the budget
const g0 = Date.now();
const run = generate(clip, {
  prompts: [
    { embedding: Float32Array.from({ length: 24 }, (_, i) => Math.sin(i * 1.7)), weight: 1 },
    { embedding: Float32Array.from({ length: 24 }, (_, i) => Math.cos(i)), weight: -0.3 },
  ],
  generator: generators.pixels({ size: 32 }),
  steps: 1_000_000,
  cutn: 2,
  lr: 0.05,
  seed: 1,
});
let genBase;
let genPipelines = 0;
const genHeap = [];
let steps = 0;
let firstLoss;
let lastLoss;
for await (const s of run) {
  steps = s.step;
  lastLoss = s.loss;
  firstLoss ??= s.loss;
  if (s.step === 3) {
    genBase = rt.stats();
    genPipelines = pipelinesOf(rt);
    genHeap.push(heap());
  }
  if (s.step > 3 && s.step % 25 === 0) {
    const st = rt.stats();
    if (JSON.stringify(st) !== JSON.stringify(genBase))
      problems.push(`generate: stats ${JSON.stringify(st)} at step ${s.step}, ${JSON.stringify(genBase)} at step 3`);
    genHeap.push(heap());
  }
  if (Date.now() - t0 > budgetMs) run.stop();
}
genHeap.push(heap());
if (pipelinesOf(rt) !== genPipelines) problems.push(`generate: ${pipelinesOf(rt)} pipelines, ${genPipelines} at step 3`);
const generateSeconds = (Date.now() - g0) / 1000;
run.dispose();
x.dispose();
ids.dispose();
clip.dispose();

const growth = (h) =>
  Math.min(...h.slice(-Math.max(1, Math.floor(h.length / 3)))) - Math.min(...h.slice(0, Math.max(1, Math.floor(h.length / 3))));
const report = {
  adapter: rt.gpu.adapter.description || rt.gpu.adapter.device,
  gcForced: !!gc,
  encode: {
    calls,
    seconds: +encodeSeconds.toFixed(1),
    perCallMs: +((encodeSeconds * 1000) / Math.max(1, calls)).toFixed(1),
    gpuAllocatedBytes: encBase.allocatedBytes,
    gpuFlat: !problems.some((p) => p.startsWith('encode')),
    pipelines: encPipelines,
    heapMiB: {
      first: +(encHeap[0] / MiB).toFixed(2),
      last: +(encHeap[encHeap.length - 1] / MiB).toFixed(2),
      growthOfMinimumKiB: +(growth(encHeap) / 1024).toFixed(0),
    },
  },
  generate: {
    steps,
    seconds: +generateSeconds.toFixed(1),
    firstLoss,
    lastLoss,
    gpuAllocatedBytes: genBase?.allocatedBytes,
    gpuFlat: !problems.some((p) => p.startsWith('generate')),
    pipelines: genPipelines,
    heapMiB: genHeap.length
      ? {
          first: +(genHeap[0] / MiB).toFixed(2),
          last: +(genHeap[genHeap.length - 1] / MiB).toFixed(2),
          growthOfMinimumKiB: +(growth(genHeap) / 1024).toFixed(0),
        }
      : null,
  },
  problems,
};
// a leak of more than 4 MiB in the heap's floor is a failure too
if (growth(encHeap) > 4 * MiB) problems.push(`encode: heap floor grew ${(growth(encHeap) / MiB).toFixed(1)} MiB`);
if (genHeap.length > 2 && growth(genHeap) > 4 * MiB) problems.push(`generate: heap floor grew ${(growth(genHeap) / MiB).toFixed(1)} MiB`);
console.log(JSON.stringify(report, null, 2));
rt.destroy();
process.exit(problems.length ? 1 : 0);
