#!/usr/bin/env node
// The benchmark driver: runs the one benchmark core in Node (Dawn) and in headless Chromium (the
// benchmark page, driven as a user would: its settings in the URL, then a click on Run), and writes
// results/<adapter-slug>-<node|chromium>.{json,md,svg}, results/ratios.json (ours against each
// peer at its best) and results/latest.md (the tables of every whole run's file). A run with
// --only or --match writes results/<adapter-slug>-<env>-<what>.* instead.
//
//   pnpm bench [--quick|--full] [--e2e [--onnx] [--no-gen]] [--tune|--retune] [--no-peers] [--no-probes]
//              [--env node|chromium|both] [--runs N] [--warmup N] [--only matmul,attention,layernorm,softmax,e2e,tune]
//              [--towers ViT-B/32,text,ViT-L/14] [--batches 1,16] [--variants f32,f16] [--directions forward,backward]
//              [--match 'ViT-B/32'] [--gpu] [--note 'what else ran'] [--out DIR]   (--gpu: Chromium on the GPU, not SwiftShader)
//   node packages/bench/src/run.mjs --report   (rewrite results/*.{md,svg}, ratios.json, latest.md from the JSON)
//
// The packages are used as built (dist/, as a user's bundler would); a stale or missing build is
// rebuilt first. --onnx exports the ViT-B/32 encoder with onnx/export_vit_b32.py (python3-torch)
// into the ignored .onnx/ when it is missing. Env: CHROMIUM_PATH, CLIPGPU_CHROMIUM_FLAGS,
// CLIPGPU_BENCH_TIMEOUT_S (per environment, default 1800).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, serve } from '@clipgpu/browser-harness';
import { build } from 'esbuild';
import { buildBenchPage } from '../scripts/build-page.mjs';

const PKG = resolve(fileURLToPath(import.meta.url), '../..');
const ROOT = resolve(PKG, '../..');
const OUT = join(PKG, '.out');

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
  if (!/^\d+$/.test(v)) throw new Error(`--${n} must be a whole number, got '${v}'`);
  return Number(v);
};
const list = (n) => (value(n) ? value(n).split(',').filter(Boolean) : undefined);
const only = list('only') ?? [];
const FAMILIES = ['matmul', 'attention', 'layernorm', 'softmax'];
// everything unless narrowed: the page's own defaults are a first look, the driver's are the whole
// suite; batch sizes and quick are left to the page, which knows the adapter (software: batch 1)
const options = Object.fromEntries(
  Object.entries({
    quick: flag('quick') ? true : flag('full') ? false : undefined,
    runs: count('runs'),
    warmup: count('warmup'),
    only: only.length ? only : [...FAMILIES, ...(flag('e2e') ? ['e2e'] : [])],
    towers: list('towers') ?? ['ViT-B/32', 'text', 'ViT-L/14'],
    batches: list('batches')?.map(Number) ?? (flag('full') ? [1, 16] : flag('quick') ? [1] : undefined),
    variants: list('variants') ?? ['f32', 'f16'],
    directions: list('directions') ?? ['forward', 'backward'],
    peers: !flag('no-peers'),
    probes: !flag('no-probes'),
    e2e: flag('e2e') || only.includes('e2e'),
    tune: flag('tune') || only.includes('tune'),
    retune: flag('retune'),
    onnx: flag('onnx'),
    gen: !flag('no-gen'),
    match: value('match'),
  }).filter(([, v]) => v !== undefined),
);
// --out DIR: write the results there instead of results/ (a dry run keeps the committed ones)
const RESULTS = resolve(value('out') ?? join(PKG, 'results'));
const envs = (value('env') ?? 'both') === 'both' ? ['node', 'chromium'] : [value('env')];
if (!envs.every((e) => e === 'node' || e === 'chromium')) throw new Error('--env must be node, chromium or both');

// ---- builds ----------------------------------------------------------------------------------------
const newest = (dir) =>
  readdirSync(dir, { withFileTypes: true }).reduce((t, e) => {
    const p = join(dir, e.name);
    return Math.max(t, e.isDirectory() ? newest(p) : /\.test\.ts$/.test(e.name) ? 0 : statSync(p).mtimeMs);
  }, 0);

/** Rebuilds @clipgpu/kernels and @clipgpu/clip-runtime when dist/ is missing or older than src/. */
function ensureBuilt() {
  for (const name of ['kernels', 'clip-runtime']) {
    const dir = join(ROOT, 'packages', name);
    const stamp = join(dir, 'dist/browser/index.js');
    if (existsSync(stamp) && statSync(stamp).mtimeMs >= newest(join(dir, 'src'))) continue;
    console.log(`building @clipgpu/${name} (its dist/ is missing or older than src/)…`);
    execFileSync(process.execPath, [join(ROOT, 'scripts/build-package.mjs')], { cwd: dir, stdio: 'inherit' });
  }
}

async function bundle() {
  mkdirSync(OUT, { recursive: true });
  const node = {
    absWorkingDir: ROOT,
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'node',
    tsconfigRaw: {},
    logLevel: 'warning',
  };
  await build({
    ...node,
    entryPoints: ['packages/bench/src/node-entry.ts'],
    outfile: join(OUT, 'node.mjs'),
    external: ['webgpu'],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  await build({ ...node, entryPoints: ['packages/bench/src/outputs.ts'], outfile: join(OUT, 'outputs.mjs') });
  rmSync(join(OUT, 'page'), { recursive: true, force: true });
  await buildBenchPage({ outdir: join(OUT, 'page') });
}

/** onnxruntime-web's two bundles and wasm files, and the exported encoder, linked into the page. */
function linkOnnx() {
  const model = join(PKG, '.onnx', 'vit-b32-random.onnx');
  if (!existsSync(model)) {
    console.log(`exporting ${relative(ROOT, model)} (python3-torch)…`);
    execFileSync('/usr/bin/python3', [join(PKG, 'onnx', 'export_vit_b32.py'), model], { stdio: 'inherit' });
  }
  const dist = join(PKG, 'node_modules', 'onnxruntime-web', 'dist');
  mkdirSync(join(OUT, 'page/ort'), { recursive: true });
  mkdirSync(join(OUT, 'page/onnx'), { recursive: true });
  symlinkSync(model, join(OUT, 'page/onnx/vit-b32-random.onnx'));
  for (const f of readdirSync(dist).filter((f) =>
    /^ort(\.webgpu)?\.bundle\.min\.mjs$|^ort-wasm-simd-threaded\.(asyncify|jsep)\.(wasm|mjs)$/.test(f),
  ))
    symlinkSync(join(dist, f), join(OUT, 'page/ort', f));
}

// ---- environments --------------------------------------------------------------------------------
function runNode() {
  const out = join(OUT, 'node-results.json');
  rmSync(out, { force: true });
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [join(OUT, 'node.mjs')], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, CLIPGPU_BENCH_OPTIONS: JSON.stringify({ ...options, onnx: false }), CLIPGPU_BENCH_OUT: out },
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

/** The benchmark page in headless Chromium: settings in the URL, a click on Run, the results read back. */
async function runChromium(encodeSettings) {
  if (options.onnx && options.e2e) linkOnnx();
  const server = await serve({ dir: join(OUT, 'page') });
  let browser;
  try {
    browser = await launchChromium({ gpu: flag('gpu'), protocolTimeout: TIMEOUT_MS });
    const page = await browser.newPage();
    page.setDefaultTimeout(TIMEOUT_MS);
    page.on('console', (m) => console.log(m.type() === 'error' || m.type() === 'warn' ? `  [page ${m.type()}] ${m.text()}` : m.text()));
    let crashed;
    page.on('pageerror', (e) => (crashed = e?.stack || String(e)));
    await page.goto(`${server.url}?${encodeSettings(options)}`, { waitUntil: 'load' });
    await page.waitForSelector('body[data-bench="idle"], body[data-bench="unavailable"]');
    if ((await page.$eval('body', (b) => b.dataset.bench)) !== 'idle')
      throw new Error(`Chromium: ${await page.$eval('#fatal', (e) => e.textContent)}`);
    await page.click('#run');
    await page.waitForSelector('body[data-bench="done"], body[data-bench="stopped"], body[data-bench="error"]');
    const results = await page.evaluate(() => window.__clipgpuBench.results);
    if (!results) throw new Error(`Chromium: no results (${crashed ?? (await page.$eval('#status', (e) => e.textContent))})`);
    return results;
  } finally {
    await browser?.close().catch(() => {});
    await server.close();
  }
}

// ---- files -----------------------------------------------------------------------------------------
const wholeRuns = () =>
  readdirSync(RESULTS)
    .filter((f) => /-(node|chromium|browser)(-e2e)?\.json$/.test(f) && !f.startsWith('tuned-'))
    .map((f) => JSON.parse(readFileSync(join(RESULTS, f), 'utf8')));

/** results/ratios.json: every case and peer; a new run replaces its environment's and adapter's entries for the same case. */
function writeRatios(out, results) {
  const path = join(RESULTS, 'ratios.json');
  const fresh = out.ratioEntries(results);
  const key = (e) => `${e.env}|${e.adapter}|${e.case}|${e.peer}`;
  const keep = existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')).ratios.filter((e) => !fresh.some((f) => key(f) === key(e))) : [];
  const ratios = [...keep, ...fresh].sort((a, b) => key(a).localeCompare(key(b)));
  writeFileSync(
    path,
    `${JSON.stringify({ about: 'ratio = peer ms at its fastest config / ours (> 1: ours is faster); written by pnpm bench', ratios }, null, 2)}\n`,
  );
}

/** results/latest.md: the header and peer table of each whole run and end-to-end run on file (the README links it). */
function writeLatest(out) {
  const parts = [
    '# Latest benchmark results',
    '',
    'Generated by `pnpm bench` from the whole runs in this folder (`*-node.json`, `*-chromium.json`).',
    '',
  ];
  for (const r of wholeRuns()) {
    const md = out.markdown(r).split('\n## All rows')[0].replace(/^# /, '## ');
    const e2e = r.rows.filter((x) => x.family === 'e2e' && x.impl === 'clipgpu' && !x.error);
    const table = e2e.length
      ? [
          '',
          '| end to end (ours) | median ms | first ms | notes |',
          '|---|--:|--:|---|',
          ...e2e.map((x) => `| ${x.name} | ${x.medianMs} | ${x.firstMs} | ${x.notes ?? ''} |`),
        ]
      : [];
    const file = `${r.adapterSlug}-${r.env}${r.options.only?.join() === 'e2e' ? '-e2e' : ''}.md`;
    parts.push(md.trim(), ...table, '', `Every row: [${file}](${file}).`, '');
  }
  writeFileSync(join(RESULTS, 'latest.md'), `${parts.join('\n')}\n`);
}

function writeRun(out, results, base) {
  writeFileSync(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(`${base}.md`, out.markdown(results));
  writeFileSync(
    `${base}.svg`,
    out.rooflineSvg(results.rows, results.peaks, { title: `${results.adapter} (${results.env}): roofline, ${results.date.slice(0, 10)}` }),
  );
}

// ---- main ----------------------------------------------------------------------------------------
mkdirSync(RESULTS, { recursive: true });
ensureBuilt();
await bundle();
const out = await import(join(OUT, 'outputs.mjs'));
if (flag('report')) {
  for (const f of readdirSync(RESULTS).filter((n) => n.endsWith('.json') && !n.startsWith('tuned-') && n !== 'ratios.json')) {
    const results = JSON.parse(readFileSync(join(RESULTS, f), 'utf8'));
    writeRun(out, results, join(RESULTS, f.replace(/\.json$/, '')));
    writeRatios(out, results);
    console.log(`rewrote ${f.replace(/\.json$/, '')}.{md,svg}`);
  }
  writeLatest(out);
  process.exit(0);
}
let failed = false;
for (const env of envs) {
  console.log(`\n=== ${env} ===`);
  let results;
  try {
    results = await (env === 'node' ? runNode() : runChromium(out.encodeSettings));
  } catch (e) {
    console.error(`${env}: ${e.message}`);
    failed = true;
    continue;
  }
  // a partial run (--only, --match, --towers, …) gets its own files, so it never overwrites a whole one
  const part = [...only, value('match') ?? '', ...(list('towers') ?? []), ...(list('batches') ?? []).map((b) => `b${b}`)]
    .filter(Boolean)
    .join('+')
    .replace(/[^a-zA-Z0-9+]+/g, '-');
  const base = join(RESULTS, `${results.adapterSlug}-${env}${part ? `-${part}` : ''}`);
  if (value('note')) results.note = value('note');
  writeRun(out, results, base);
  writeRatios(out, results);
  if (results.tuned)
    writeFileSync(join(RESULTS, `tuned-${results.adapterSlug}-${env}.json`), `${JSON.stringify(results.tuned, null, 2)}\n`);
  console.log(`wrote ${relative(ROOT, base)}.{json,md,svg} and ${relative(ROOT, join(RESULTS, 'ratios.json'))}`);
  for (const r of out.peerRatios(results))
    console.log(
      `  vs ${r.peer} (${r.peerConfig}): ${r.family} ${r.name} ${r.shape}: ${r.ratio.toFixed(2)}× (f16 ${r.ratio16?.toFixed(2) ?? '–'}×)`,
    );
  if (results.errors.length) console.log(`  ${results.errors.length} error(s):\n    ${results.errors.join('\n    ')}`);
}
writeLatest(out);
process.exit(failed ? 1 : 0);
