#!/usr/bin/env node
// The benchmark driver: bundles the one benchmark core (src/*.ts) with esbuild for Node and for a
// page, runs it in Node (Dawn) and in headless Chromium (the flags of test/browser/run.mjs), and
// writes results/<adapter-slug>-<node|chromium>.{json,md,svg} (and results/latest.svg); a run
// with --only or --match writes results/<adapter-slug>-<env>-<what>.{json,md,svg} instead.
//
//   pnpm bench [--quick|--full] [--e2e [--onnx] [--no-gen]] [--tune|--retune] [--no-peers] [--env node|chromium|both]
//              [--runs N] [--warmup N] [--only matmul,attention,layernorm,softmax,e2e,tune]
//              [--match 'ViT-B/32']   (only the cases whose name contains it)
//   node packages/bench/src/run.mjs --report   (rewrite results/*.{md,svg} from the JSON)
//   pnpm bench:tune          (the matmul autotuner alone, both environments: --only tune --retune)
//
// --onnx (with --e2e, in Chromium): onnxruntime-web's WebGPU EP on the same ViT-B/32 encoder,
// exported by onnx/export_vit_b32.py into the ignored .onnx/ (python3-torch) when missing.
// --tune times MATMUL_CONFIGS on this device unless a winner is cached (~/.cache/clipgpu in Node,
// IndexedDB in the page); --retune always does; without either a cached winner is still applied.
//
// Defaults on a software adapter (SwiftShader): --quick (batch 1), 3 runs, 1 warm-up; on a GPU:
// full (batch 1 and 16), 20 runs, 3 warm-up. Env: CHROMIUM_PATH, CLIPGPU_BENCH_TIMEOUT_S (per
// environment, default 1800).
import { execFileSync, spawn } from 'node:child_process';
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, serve } from '@clipgpu/browser-harness';
import { markdown, peerRatios, svg } from './report.mjs';

const HERE = resolve(fileURLToPath(import.meta.url), '..');
const PKG = resolve(HERE, '..');
const ROOT = resolve(PKG, '../..');
const OUT = join(PKG, '.out');
const RESULTS = join(PKG, 'results');
const TIMEOUT_MS = Number(process.env.CLIPGPU_BENCH_TIMEOUT_S || 1800) * 1000;

// ---- options ---------------------------------------------------------------------------------------
const argv = process.argv.slice(2);
const flag = (n) => argv.includes(`--${n}`);
const value = (n) => {
  const i = argv.indexOf(`--${n}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const count = (n) => {
  const v = value(n);
  if (v === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(v)) throw new Error(`--${n} must be a positive integer, got '${v}'`);
  return Number(v);
};
const options = {
  ...(flag('quick') ? { quick: true } : flag('full') ? { quick: false } : {}),
  ...(count('runs') ? { runs: count('runs') } : {}),
  ...(count('warmup') ? { warmup: count('warmup') } : {}),
  only: value('only') ? value('only').split(',') : [],
  peers: !flag('no-peers'),
  e2e: flag('e2e') || (value('only') ?? '').includes('e2e'),
  tune: flag('tune') || (value('only') ?? '').includes('tune'),
  retune: flag('retune'),
  onnx: flag('onnx'),
  gen: !flag('no-gen'),
  ...(value('match') ? { match: value('match') } : {}),
};
const envs = (value('env') ?? 'both') === 'both' ? ['node', 'chromium'] : [value('env')];
if (!envs.every((e) => e === 'node' || e === 'chromium')) throw new Error(`--env must be node, chromium or both`);

// ---- bundles ---------------------------------------------------------------------------------------
const common = {
  absWorkingDir: ROOT,
  bundle: true,
  format: 'esm',
  target: 'es2022',
  loader: { '.wgsl': 'text' },
  // the sources, one copy: the autotuner's registry is the one the runtime reads
  alias: { '@clipgpu/kernels': './packages/kernels/src/index.ts', '@clipgpu/clip-runtime': './packages/clip-runtime/src/index.ts' },
  logLevel: 'warning',
};
async function bundle() {
  mkdirSync(OUT, { recursive: true });
  await build({
    ...common,
    entryPoints: ['packages/bench/src/node-entry.ts'],
    outfile: join(OUT, 'node.mjs'),
    platform: 'node',
    external: ['webgpu'],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  const page = await build({
    ...common,
    entryPoints: ['packages/bench/src/page-entry.ts'],
    outfile: join(OUT, 'bench.js'),
    platform: 'browser',
    external: ['node:*', 'webgpu'],
    write: false,
  });
  writeFileSync(join(OUT, 'bench.js'), page.outputFiles[0].contents);
}

// ---- environments --------------------------------------------------------------------------------
function runNode() {
  const out = join(OUT, 'node-results.json');
  rmSync(out, { force: true });
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [join(OUT, 'node.mjs')], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, CLIPGPU_BENCH_OPTIONS: JSON.stringify(options), CLIPGPU_BENCH_OUT: out },
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), TIMEOUT_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      try {
        res(JSON.parse(readFileSync(out, 'utf8')));
      } catch {
        rej(new Error(`the Node run ended (${signal ?? `exit ${code}`}) without results`));
      }
    });
  });
}

/** onnxruntime-web's files and the exported encoder (exported first when missing), for --onnx. */
function onnxFiles() {
  const model = join(PKG, '.onnx', 'vit-b32-random.onnx');
  if (!existsSync(model)) {
    console.log(`exporting ${relative(ROOT, model)} (python3-torch)…`);
    execFileSync('/usr/bin/python3', [join(PKG, 'onnx', 'export_vit_b32.py'), model], { stdio: 'inherit' });
  }
  const dist = join(PKG, 'node_modules', 'onnxruntime-web', 'dist');
  const files = [['/onnx/vit-b32-random.onnx', readFileSync(model)]];
  // the bundle (its wasm glue inlined) as .js: the shared server has no .mjs MIME type
  files.push(['/ort/ort.webgpu.bundle.min.js', readFileSync(join(dist, 'ort.webgpu.bundle.min.mjs'))]);
  files.push(['/ort/ort-wasm-simd-threaded.jsep.wasm', readFileSync(join(dist, 'ort-wasm-simd-threaded.jsep.wasm'))]);
  return files;
}

async function runChromium() {
  const files = [
    ['/index.html', readFileSync(join(HERE, 'page.html'))],
    ['/bench.js', readFileSync(join(OUT, 'bench.js'))],
    ['/favicon.ico', new Uint8Array(0)],
  ];
  if (options.onnx && options.e2e) files.push(...onnxFiles());
  const server = await serve({ files: new Map(files) });
  let browser;
  try {
    browser = await launchChromium({ protocolTimeout: TIMEOUT_MS });
    const page = await browser.newPage();
    let done;
    const finished = new Promise((r) => (done = r));
    await page.exposeFunction('__clipgpuBenchDone', (r) => done(r));
    page.on('console', (m) => console.log(m.type() === 'error' || m.type() === 'warn' ? `  [page ${m.type()}] ${m.text()}` : m.text()));
    page.on('pageerror', (e) => done({ error: e?.stack || String(e) }));
    browser.on('disconnected', () => done({ error: 'Chromium exited (crash?)' }));
    let timer;
    const timeout = new Promise((r) => (timer = setTimeout(() => r({ error: `no results within ${TIMEOUT_MS / 1000} s` }), TIMEOUT_MS)));
    await page.goto(`${server.url}#${encodeURIComponent(JSON.stringify(options))}`, { waitUntil: 'load' });
    const r = await Promise.race([finished, timeout]);
    clearTimeout(timer);
    if (r.error) throw new Error(`Chromium: ${r.error}`);
    return r;
  } finally {
    await browser?.close().catch(() => {});
    await server.close();
  }
}

// ---- main ----------------------------------------------------------------------------------------
if (flag('report')) {
  // rewrite the .md and .svg of every results/*.json (after a change to report.mjs)
  for (const f of readdirSync(RESULTS).filter((n) => n.endsWith('.json') && !n.startsWith('tuned-'))) {
    const results = JSON.parse(readFileSync(join(RESULTS, f), 'utf8'));
    writeFileSync(join(RESULTS, f.replace(/\.json$/, '.md')), markdown(results));
    writeFileSync(join(RESULTS, f.replace(/\.json$/, '.svg')), svg(results));
    console.log(`rewrote ${f.replace(/\.json$/, '')}.{md,svg}`);
  }
  process.exit(0);
}
await bundle();
mkdirSync(RESULTS, { recursive: true });
let failed = false;
let lastSvg;
for (const env of envs) {
  console.log(`\n=== ${env} ===`);
  let results;
  try {
    results = await (env === 'node' ? runNode() : runChromium());
  } catch (e) {
    console.error(`${env}: ${e.message}`);
    failed = true;
    continue;
  }
  // a partial run (--only, --match) gets its own files, so it never overwrites a whole one
  const part = [...options.only, options.match ?? '']
    .filter(Boolean)
    .join('+')
    .replace(/[^a-zA-Z0-9+]+/g, '-');
  const base = join(RESULTS, `${results.adapterSlug}-${env}${part ? `-${part}` : ''}`);
  writeFileSync(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(`${base}.md`, markdown(results));
  writeFileSync(`${base}.svg`, svg(results));
  if (results.tuned)
    writeFileSync(join(RESULTS, `tuned-${results.adapterSlug}-${env}.json`), `${JSON.stringify(results.tuned, null, 2)}\n`);
  if (!part) lastSvg = `${base}.svg`;
  console.log(`wrote ${base}.{json,md,svg}`);
  for (const r of peerRatios(results))
    console.log(`  vs ${r.peer}: ${r.family} ${r.name} ${r.shape}: ${r.ratio.toFixed(2)}× (f16 ${r.ratio16?.toFixed(2) ?? '–'}×)`);
  if (results.errors.length) console.log(`  ${results.errors.length} error(s):\n    ${results.errors.join('\n    ')}`);
}
if (lastSvg) copyFileSync(lastSvg, join(RESULTS, 'latest.svg'));
process.exit(failed ? 1 : 0);
