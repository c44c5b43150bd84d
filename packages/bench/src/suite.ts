// One run of the suite on one Gpu, the same in Node and in a page: autotune (opt-in), our kernels,
// the peers, end to end (opt-in). Returns the Results the driver writes out.
import { adapterName, Gpu } from '@clipgpu/kernels';
import { slug, timingMethod, type BenchOptions, type Env, type Log, type Results } from './core.js';
import { benchOurs } from './ours.js';
import { caseSet } from './shapes.js';
import { tuneMatmul, type TuneStore } from './tune.js';

export interface SuiteHooks {
  env: Env;
  /** where the autotuner caches its winner */
  tuneStore?: TuneStore;
  /** makes navigator.gpu available to tfjs (Node: Dawn's); absent when it already is */
  preparePeers?: () => Promise<void>;
  userAgent: string;
}

/** Fills in the defaults that depend on the adapter (quick, runs, warm-up on a software one). */
export function resolveOptions(partial: Partial<BenchOptions> & { quick?: boolean }, software: boolean): BenchOptions {
  const quick = partial.quick ?? software;
  return {
    quick,
    runs: partial.runs ?? (software ? 3 : 20),
    warmup: partial.warmup ?? (software ? 1 : 3),
    only: partial.only ?? [],
    peers: partial.peers ?? true,
    e2e: partial.e2e ?? false,
    tune: partial.tune ?? false,
    match: partial.match,
    retune: partial.retune ?? false,
    onnx: partial.onnx ?? false,
    gen: partial.gen ?? true,
  };
}

export async function runSuite(partial: Partial<BenchOptions>, hooks: SuiteHooks, log: Log): Promise<Results> {
  const gpu = await Gpu.create();
  const adapter = adapterName(gpu.adapter);
  // Chromium reports SwiftShader in adapter.info.architecture, which AdapterReport.software misses
  const a = gpu.adapter;
  const software =
    a.software || /swiftshader|llvmpipe|lavapipe|software/i.test(`${adapter} ${a.architecture} ${a.device} ${a.description}`);
  const opts = resolveOptions(partial, software);
  const method = await timingMethod(gpu);
  log(
    `[${hooks.env}] adapter: ${adapter}${software && !a.software ? ' (software: SwiftShader, though AdapterReport.software is false)' : ''}; timing: ${method.timing} (${method.why}); ${opts.quick ? 'quick (batch 1)' : 'full (batch 1 and 16)'}, median of ${opts.runs} after ${opts.warmup} warm-up`,
  );
  const results: Results = {
    env: hooks.env,
    adapter,
    adapterSlug: slug(adapter),
    software,
    features: gpu.adapter.features,
    timing: method.timing,
    timingWhy: method.why,
    options: opts,
    date: new Date().toISOString(),
    userAgent: hooks.userAgent,
    rows: [],
    errors: [],
  };
  const cases = caseSet(opts.quick);
  if (opts.match)
    for (const k of Object.keys(cases) as (keyof typeof cases)[])
      (cases[k] as { name: string }[]) = cases[k].filter((c) => c.name.includes(opts.match!));
  try {
    // --tune: measure unless cached (--retune: always); otherwise only a cached winner is applied
    try {
      const t = { runs: opts.runs, warmup: opts.warmup, force: opts.retune, cacheOnly: !opts.tune && !opts.retune };
      results.tuned = await tuneMatmul(gpu, adapter, method.timing, hooks.tuneStore, t, log);
    } catch (e) {
      results.errors.push(`autotune: ${(e as Error).message}`);
    }
    const only = opts.only.filter((f) => f !== 'e2e' && f !== 'tune');
    if (!opts.only.length || only.length)
      results.rows.push(...(await benchOurs(gpu, cases, method.timing, { ...opts, only }, log, results.errors)));
    if (opts.peers && (!opts.only.length || only.length)) {
      try {
        await hooks.preparePeers?.();
        const { loadTfjs, benchTfjs } = await import('./peers.js');
        const tf = await loadTfjs(log);
        results.rows.push(...(await benchTfjs(tf, cases, { ...opts, only }, log, results.errors)));
        tf.disposeVariables();
        tf.engine().reset();
      } catch (e) {
        const msg = `tfjs-backend-webgpu: ${String((e as Error).message ?? e).split('\n')[0]}`;
        results.errors.push(msg);
        log(`ERROR ${msg}`);
      }
    }
    if (opts.e2e) {
      const { benchE2e } = await import('./e2e.js');
      results.rows.push(...(await benchE2e(opts, software, log, results.errors)));
    }
  } finally {
    gpu.destroy();
  }
  return results;
}
