// The matmul autotuner: times every candidate this device can run (matmulCandidates: the tiled
// configs, and with subgroups the quad ones around SwiftShader's default) at a CLIP shape, caches
// the winner per adapter (a JSON file in Node, IndexedDB in a page: the entry passes the store)
// and registers it with setMatmulConfigFor(gpu, 'default', …), so every matmul the runtime
// launches on this Gpu without an explicit config uses it.
import * as K from '@clipgpu/kernels';
import type { Gpu } from '@clipgpu/kernels';
import { filled, measureGpu, round, type Log, type Timing, type TuneResult } from './core.js';

export interface TuneStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
}

/** ViT-B/32's fc1 (x[50,768]·W[3072,768]ᵀ + b): the largest product of a batch-1 image encode. */
export const TUNE_SHAPE: K.MatmulShape = { M: 50, K: 768, N: 3072, transB: true };

// 2: the quad kernel's candidates (names of version 1 may no longer exist)
const CACHE_VERSION = 2;

/**
 * The cached winner when there is one for this adapter (unless `force`), else measures (unless
 * `cacheOnly`); registers the winner either way.
 */
export async function tuneMatmul(
  gpu: Gpu,
  adapter: string,
  timing: Timing,
  store: TuneStore | undefined,
  opts: { runs: number; warmup: number; force?: boolean; cacheOnly?: boolean },
  log: Log,
): Promise<TuneResult | undefined> {
  const key = `clipgpu-matmul-tuned-v${CACHE_VERSION}:${adapter}`;
  const candidates = K.matmulCandidates(gpu);
  const cached = !opts.force && store ? await store.get(key).catch(() => undefined) : undefined;
  if (cached) {
    const r = JSON.parse(cached) as TuneResult;
    const config = candidates.find((c) => c.name === r.winner);
    if (config) {
      K.setMatmulConfigFor(gpu, 'default', config);
      log(`autotune: cached winner for ${adapter}: ${config.name}`);
      return { ...r, source: 'cache' };
    }
  }
  if (opts.cacheOnly) return undefined;
  const s = TUNE_SHAPE;
  const before = K.defaultMatmulConfig(gpu).name;
  log(`autotune: timing ${candidates.length} matmul configs at ${s.M}×${s.K}×${s.N} on ${adapter}`);
  const x = gpu.upload(filled(s.M * s.K, 1), 'x');
  const w = gpu.upload(filled(s.N * s.K, 2), 'w');
  const bias = gpu.upload(filled(s.N, 3), 'bias');
  const out = gpu.createBuffer(s.M * s.N * 4, 'c');
  const timed: TuneResult['candidates'] = [];
  try {
    for (const config of candidates) {
      try {
        const m = await measureGpu(
          gpu,
          { launch: () => K.matmul(gpu, x, w, out, s, { bias }, config), done: () => gpu.read(out, 4) },
          timing,
          opts,
        );
        const gflops = K.matmulFlops(s) / (m.medianMs / 1e3) / 1e9;
        timed.push({ config: config.name, firstMs: round(m.firstMs), medianMs: round(m.medianMs), gflops: round(gflops) });
        log(`  ${config.name}: ${round(m.medianMs)} ms, ${round(gflops)} GFLOP/s (first ${round(m.firstMs)} ms)`);
      } catch (e) {
        log(`  ${config.name}: failed (${String((e as Error).message).split('\n')[0]})`);
      }
    }
  } finally {
    [x, w, bias, out].forEach((b) => gpu.destroyBuffer(b));
  }
  if (!timed.length) throw new Error('autotune: no matmul config ran');
  const best = timed.reduce((a, b) => (b.medianMs < a.medianMs ? b : a));
  const config = candidates.find((c) => c.name === best.config)!;
  K.setMatmulConfigFor(gpu, 'default', config);
  const result: TuneResult = {
    adapter,
    source: 'measured',
    previousDefault: before,
    shape: `${s.M}×${s.K}×${s.N}`,
    winner: config.name,
    candidates: timed,
  };
  await store?.set(key, JSON.stringify(result)).catch((e) => log(`autotune: could not cache the winner (${(e as Error).message})`));
  log(`autotune: winner ${config.name} (the default was ${before})`);
  return result;
}

/** A TuneStore on IndexedDB (browsers). */
export function indexedDbStore(): TuneStore | undefined {
  const idb = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!idb) return undefined;
  const open = () =>
    new Promise<IDBDatabase>((resolve, reject) => {
      const req = idb.open('clipgpu', 1);
      req.onupgradeneeded = () => req.result.createObjectStore('tuning');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  const tx = async <R>(mode: IDBTransactionMode, f: (s: IDBObjectStore) => IDBRequest<R>) => {
    const db = await open();
    try {
      return await new Promise<R>((resolve, reject) => {
        const req = f(db.transaction('tuning', mode).objectStore('tuning'));
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
    } finally {
      db.close();
    }
  };
  return {
    get: async (key) => (await tx<unknown>('readonly', (s) => s.get(key))) as string | undefined,
    set: async (key, value) => void (await tx('readwrite', (s) => s.put(value, key))),
  };
}
