// One run of the suite on one Gpu, the same in Node and in a page: the device's peaks (probes),
// the autotuner (opt-in), our kernels beside the peers' (interleaved per case), end to end
// (opt-in). Rows go to hooks.onRow as they finish; hooks.signal stops the run between samples.
import { adapterName, Gpu } from '@clipgpu/kernels';
import {
  type BenchOptions,
  type Contender,
  type Env,
  errorText,
  failedRow,
  gpuContender,
  type Log,
  measureInterleaved,
  placeOnRoofline,
  type Results,
  type Row,
  type RowBase,
  round,
  row,
  slug,
  Stopped,
  timingMethod,
  wallSampler,
} from './core.js';
import { measurePeaks } from './probes.js';
import { type Prepared, prepareOurs } from './ours.js';
import type { PeerEntry } from './peers.js';
import { FAMILIES, selectCases } from './shapes.js';
import { tuneMatmul, type TuneStore } from './tune.js';

export interface SuiteHooks {
  env: Env;
  /** where the autotuner caches its winner */
  tuneStore?: TuneStore;
  /** makes navigator.gpu available to tfjs (Node: Dawn's); absent when it already is */
  preparePeers?: () => Promise<void>;
  userAgent: string;
  /** each row as it finishes (failed cases too, with `error`) */
  onRow?: (r: Row, results: Results) => void;
  /** after each step: probes, autotune, a case, end to end */
  onProgress?: (done: number, total: number, label: string) => void;
  /** the results so far, once the device is known and again when the peaks are */
  onStart?: (results: Results) => void;
  /** stops the run at the next sample */
  signal?: { readonly aborted: boolean };
}

/** Fills in the defaults that depend on the adapter (quick, runs, warm-up on a software one). */
export function resolveOptions(partial: Partial<BenchOptions>, software: boolean): BenchOptions {
  const quick = partial.quick ?? software;
  return {
    quick,
    runs: partial.runs ?? (software ? 3 : 20),
    warmup: partial.warmup ?? (software ? 1 : 3),
    only: partial.only ?? [],
    towers: partial.towers ?? [],
    batches: partial.batches ?? [],
    variants: partial.variants ?? [],
    directions: partial.directions ?? [],
    peers: partial.peers ?? true,
    e2e: partial.e2e ?? (partial.only ?? []).includes('e2e'),
    tune: partial.tune ?? false,
    probes: partial.probes ?? true,
    match: partial.match,
    retune: partial.retune ?? false,
    onnx: partial.onnx ?? false,
    gen: partial.gen ?? true,
  };
}

/** A software adapter: Chromium names SwiftShader only in adapter.info.architecture. */
export function isSoftware(a: Gpu['adapter']): boolean {
  return a.software || /swiftshader|llvmpipe|lavapipe|software/i.test(`${a.vendor} ${a.architecture} ${a.device} ${a.description}`);
}

function limitsOf(device: GPUDevice): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k in device.limits) {
    const v = (device.limits as unknown as Record<string, unknown>)[k];
    if (typeof v === 'number') out[k] = v;
  }
  return out;
}

export async function runSuite(partial: Partial<BenchOptions>, hooks: SuiteHooks, log: Log): Promise<Results> {
  const gpu = await Gpu.create();
  const a = gpu.adapter;
  const adapter = adapterName(a);
  const software = isSoftware(a);
  const opts = resolveOptions(partial, software);
  const method = await timingMethod(gpu);
  log(
    `[${hooks.env}] adapter: ${adapter}; timing: ${method.timing} (${method.why}); ${opts.quick ? 'quick' : 'full'}, median of ${opts.runs} after ${opts.warmup} warm-up`,
  );
  const results: Results = {
    env: hooks.env,
    adapter,
    adapterSlug: slug(adapter),
    software,
    adapterInfo: { vendor: a.vendor, architecture: a.architecture, device: a.device, description: a.description },
    features: a.features,
    limits: limitsOf(gpu.device),
    timing: method.timing,
    timingWhy: method.why,
    options: opts,
    date: new Date().toISOString(),
    userAgent: hooks.userAgent,
    rows: [],
    errors: [],
  };
  hooks.onStart?.(results);
  const check = () => {
    if (hooks.signal?.aborted) throw new Stopped('stopped');
  };
  const emit = (r: Row) => {
    placeOnRoofline(r, results.peaks);
    results.rows.push(r);
    hooks.onRow?.(r, results);
    const peak = r.pctPeakFlops !== undefined ? `, ${r.pctPeakFlops}% of peak FLOP/s` : '';
    log(
      r.error
        ? `  ERROR ${r.impl} ${r.family} ${r.name}: ${r.error}`
        : `  ${r.impl} ${r.family} ${r.direction} ${r.name} ${r.config ?? r.variant}: ${r.medianMs} ms (first ${r.firstMs} ms), ${r.gflops} GFLOP/s, ${r.gbps} GB/s${peak}`,
    );
  };
  const cases = selectCases(opts);
  const plan = FAMILIES.flatMap((f) => (cases[f] as { name: string }[]).map((c) => [f, c] as const));
  const total = plan.length + (opts.probes ? 1 : 0) + (opts.tune || opts.retune ? 1 : 0) + (opts.e2e ? 1 : 0);
  let done = 0;
  const progress = (label: string) => hooks.onProgress?.(++done, total, label);
  const m = { runs: opts.runs, warmup: opts.warmup, check };
  let tf: typeof import('@tensorflow/tfjs-core') | undefined;
  try {
    if (opts.probes) {
      try {
        results.peaks = await measurePeaks(gpu, method.timing, software, m, log);
        hooks.onStart?.(results);
      } catch (e) {
        if (e instanceof Stopped) throw e;
        results.errors.push(`probes: ${errorText(e)}`);
      }
      progress('peaks');
    }
    // --tune: measure unless cached (--retune: always); otherwise only a cached winner is applied
    try {
      const t = { ...m, force: opts.retune, cacheOnly: !opts.tune && !opts.retune };
      results.tuned = await tuneMatmul(gpu, adapter, method.timing, hooks.tuneStore, t, log);
    } catch (e) {
      if (e instanceof Stopped) throw e;
      results.errors.push(`autotune: ${errorText(e)}`);
    }
    if (opts.tune || opts.retune) progress('autotune');
    const wantsForward = !opts.directions.length || opts.directions.includes('forward');
    if (opts.peers && wantsForward && plan.some(([f]) => f !== 'attention')) {
      try {
        await hooks.preparePeers?.();
        const { loadTfjs } = await import('./peers.js');
        tf = await loadTfjs(log);
      } catch (e) {
        results.errors.push(`tfjs-backend-webgpu: ${errorText(e)}`);
      }
    }
    for (const [family, c] of plan) {
      check();
      await runCase(family, c);
      progress(`${family} ${c.name}`);
    }
    if (opts.e2e) {
      const { benchE2e } = await import('./e2e.js');
      await benchE2e(opts, software, log, results.errors, emit, check);
      progress('end to end');
    }
  } catch (e) {
    if (!(e instanceof Stopped)) throw e;
    results.stopped = true;
    log('stopped');
  } finally {
    if (tf) {
      tf.disposeVariables();
      tf.engine().reset();
    }
    gpu.destroy();
  }
  return results;

  /**
   * Ours alone (GPU timestamps when the device has them), then our forward rows interleaved with
   * the peers' by the wall clock (on a wall-clock device that one measurement is ours).
   */
  async function runCase(family: string, c: { name: string }): Promise<void> {
    let ours: Prepared | undefined;
    let peer: { entries: PeerEntry[]; dispose: () => void } | undefined;
    try {
      ours = prepareOurs(gpu, family, c, opts);
      if (tf) peer = (await import('./peers.js')).preparePeer(tf, family, c);
      const peered = !!peer?.entries.length;
      const slots: { base: RowBase; contender: Contender; alone?: Row; ours: boolean }[] = [];
      for (const e of ours.entries) {
        const base = { ...e.base, timing: method.timing };
        const paired = peered && e.base.direction === 'forward';
        if (paired && method.timing !== 'gpu-timestamps') {
          slots.push({ base, contender: gpuContender(gpu, e.launcher, method.timing), ours: true });
          continue;
        }
        const alone = row(base, (await measureInterleaved([gpuContender(gpu, e.launcher, method.timing)], m))[0], opts.runs);
        if (!paired) emit(alone);
        else slots.push({ base, contender: { first: async () => alone.firstMs, sample: wallSampler(e.launcher) }, alone, ours: true });
      }
      for (const p of peer?.entries ?? []) slots.push({ base: p.base, contender: p.contender, ours: false });
      if (!slots.length) return;
      const measured = await measureInterleaved(
        slots.map((s) => s.contender),
        m,
      );
      slots.forEach((s, i) => {
        const r = s.alone ? { ...s.alone } : row(s.base, measured[i], opts.runs);
        if (s.ours) r.wallMs = round(measured[i].medianMs);
        emit(r);
      });
    } catch (e) {
      if (e instanceof Stopped) throw e;
      const msg = `${family} ${c.name}: ${errorText(e)}`;
      results.errors.push(msg);
      const base: RowBase = {
        family,
        name: c.name,
        shape: '',
        variant: '',
        direction: 'forward',
        impl: 'clipgpu',
        timing: method.timing,
        flops: 0,
        bytes: 0,
      };
      emit(failedRow(base, errorText(e)));
    } finally {
      ours?.dispose();
      peer?.dispose();
    }
  }
}
