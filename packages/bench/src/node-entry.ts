// Node entry of the suite (bundled by run.mjs): options from CLIPGPU_BENCH_OPTIONS (JSON), results
// to the file CLIPGPU_BENCH_OUT. The autotuner caches its winner in ~/.cache/clipgpu/.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { BenchOptions } from './core.js';
import { runSuite } from './suite.js';
import type { TuneStore } from './tune.js';

const CACHE = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'clipgpu', 'matmul-tuned.json');

function fileStore(path: string): TuneStore {
  const all = (): Record<string, string> => {
    try {
      return JSON.parse(readFileSync(path, 'utf8'));
    } catch {
      return {};
    }
  };
  return {
    get: async (key) => all()[key],
    set: async (key, value) => {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, JSON.stringify({ ...all(), [key]: value }, null, 2));
    },
  };
}

/** tfjs-backend-webgpu looks for navigator.gpu: give it Dawn's, on the adapter the kernels found. */
async function preparePeers(): Promise<void> {
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator?.gpu) return;
  const moduleName = 'webgpu';
  const dawn = (await import(/* @vite-ignore */ moduleName)) as { create: (flags: string[]) => unknown };
  const gpu = dawn.create(['disable-dawn-features=use_vulkan_zero_initialize_workgroup_memory_extension']);
  (globalThis as { __clipgpuDawnForTfjs?: unknown }).__clipgpuDawnForTfjs = gpu; // must outlive its devices
  if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu, userAgent: `node ${process.version}` }, configurable: true });
}

const options = JSON.parse(process.env.CLIPGPU_BENCH_OPTIONS || '{}') as Partial<BenchOptions>;
const out = process.env.CLIPGPU_BENCH_OUT;
const results = await runSuite(
  options,
  { env: 'node', tuneStore: fileStore(CACHE), preparePeers, userAgent: `node ${process.version}` },
  (l) => console.log(l),
);
if (out) writeFileSync(out, JSON.stringify(results, null, 2));
else console.log(JSON.stringify(results));
process.exit(0);
