#!/usr/bin/env node
// Browser test suite: bundles the kernel test files with esbuild (as a user's page would load
// them), serves the bundle on 127.0.0.1, runs it in headless Chromium with WebGPU on SwiftShader
// (no GPU needed), streams each result to the terminal and ends with the line "N passed, N failed".
// Exit code 0 only when nothing failed and at least one test passed.
//
//   pnpm build && pnpm test:browser
//
// Environment: CHROMIUM_PATH (default /usr/bin/chromium); CLIPGPU_BROWSER_TIMEOUT_S (whole run,
// default 1200); CLIPGPU_BROWSER_ALLOW_MISSING=1 (a missing required test file is a warning, not a
// failure); CLIPGPU_BROWSER_ONLY=<text> (only the files whose name contains it);
// CLIPGPU_BROWSER_HEADFUL=1 (show the window, for debugging); CLIPGPU_TEST_SEED (as in Node: the
// seed a failure printed, to reproduce it).
import { build } from 'esbuild';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { browserTwins } from '../../scripts/browser-twins.mjs';
import { CHROMIUM, launchChromium, serve } from '../../packages/browser-harness/index.mjs';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const HERE = join(ROOT, 'test/browser');

// ---- what runs: the one list ---------------------------------------------------------------------
/** Kernel test files the browser suite must run (relative to the repository root). */
const REQUIRED_TEST_FILES = [
  'packages/kernels/src/elementwise/elementwise.test.ts',
  'packages/kernels/src/matmul/matmul.test.ts',
  'packages/kernels/src/matmul/matmul_backward.test.ts',
  'packages/kernels/src/attention/attention.test.ts',
  'packages/kernels/src/layernorm/layernorm.test.ts',
  'packages/kernels/src/softmax/softmax.test.ts',
  'packages/kernels/src/reduce/reduce.test.ts',
];
/**
 * Tests that import the built packages ('@clipgpu/kernels', '@clipgpu/clip-runtime' from their
 * dist/ bundles, as a user's page would); the CLIP parity test fetches test/fixtures/ over HTTP.
 */
const BROWSER_TEST_FILES = ['test/browser/package-smoke.ts', 'test/parity/clip-parity.test.ts'];
const FIXTURES = join(ROOT, 'test/fixtures/clip');

const TIMEOUT_MS = Number(process.env.CLIPGPU_BROWSER_TIMEOUT_S || 1200) * 1000;
const KERNELS_DIST = join(ROOT, 'packages/kernels/dist/browser/index.js');
/** 'elementwise' for …/elementwise.test.ts: the name a file's results and bundle go by */
const nameOf = (file) => basename(file).replace(/\.(test\.)?ts$/, '');

// ---- output --------------------------------------------------------------------------------------
const tty = process.stdout.isTTY;
const paint = (code, s) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);
const red = (s) => paint(31, s);
const green = (s) => paint(32, s);
const yellow = (s) => paint(33, s);
const dim = (s) => paint(2, s);
const indent = (s) => String(s).replace(/^/gm, '      ');

let passed = 0;
let failed = 0;
let skipped = 0;
/** A failure outside a test (page error, console error, missing file, harness trouble). */
function harnessFailure(what, detail = '') {
  failed++;
  console.log(red(`  ✗ ${what}`));
  if (detail) console.log(red(indent(detail)));
}

function finish() {
  if (skipped) console.log(yellow(`(${skipped} skipped)`));
  if (passed === 0 && failed === 0) console.log(red('no test ran'));
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
}

// ---- checks before anything starts ---------------------------------------------------------------
/** The test files to bundle; a missing required one is a failure, named loudly. */
function selectTestFiles() {
  const missing = REQUIRED_TEST_FILES.filter((f) => !existsSync(join(ROOT, f)));
  if (missing.length) {
    const allow = process.env.CLIPGPU_BROWSER_ALLOW_MISSING === '1';
    console.log(
      yellow(`!!! ${missing.length} of the ${REQUIRED_TEST_FILES.length} required kernel test files are MISSING from the browser suite:`),
    );
    for (const f of missing) {
      if (allow) console.log(yellow(`!!!   ${f} (CLIPGPU_BROWSER_ALLOW_MISSING=1: not counted as a failure)`));
      else
        harnessFailure(
          `required test file missing: ${f}`,
          'set CLIPGPU_BROWSER_ALLOW_MISSING=1 to run the others while it is being written',
        );
    }
  }
  const files = [...REQUIRED_TEST_FILES.filter((f) => !missing.includes(f)), ...BROWSER_TEST_FILES];
  const only = process.env.CLIPGPU_BROWSER_ONLY;
  if (!only) return files;
  console.log(yellow(`!!! CLIPGPU_BROWSER_ONLY=${only}: running only the files whose name contains it`));
  return files.filter((f) => nameOf(f).includes(only));
}

function newestMtime(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (!/\.test\.ts$/.test(e.name)) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function checkPrerequisites() {
  if (!existsSync(CHROMIUM)) {
    harnessFailure(
      `Chromium not found at ${CHROMIUM}`,
      'install it (with the Vulkan loader SwiftShader needs): apt-get install -y chromium libvulkan1\n(or set CHROMIUM_PATH to a Chromium/Chrome binary)',
    );
    finish();
  }
  if (!existsSync(KERNELS_DIST)) {
    harnessFailure(
      'packages/kernels/dist/browser/index.js is missing',
      'the package smoke test imports the built package: run `pnpm build` first',
    );
    finish();
  }
  if (newestMtime(join(ROOT, 'packages/kernels/src')) > statSync(KERNELS_DIST).mtimeMs)
    console.log(yellow('!!! packages/kernels/src is newer than dist/: the package smoke test runs the old build (run `pnpm build`)'));
}

// ---- bundle --------------------------------------------------------------------------------------

/** One esbuild build with code splitting: the shim and each test file are entries sharing chunks. */
async function bundle(files) {
  const outdir = join(ROOT, '.browser-test-out'); // never written: write is false
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [{ in: 'test/browser/vitest-shim.ts', out: 'vitest-shim' }, ...files.map((f) => ({ in: f, out: `tests/${nameOf(f)}` }))],
    outdir,
    write: false,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: 'linked',
    loader: { '.wgsl': 'text' },
    alias: {
      vitest: './test/browser/vitest-shim.ts',
      '@clipgpu/kernels/testing': './packages/kernels/dist/browser/testing.js',
      '@clipgpu/clip-runtime': './packages/clip-runtime/dist/browser/index.js',
    },
    // the kernel sources as their browser build has them: no Node-only module, no process shim
    plugins: [browserTwins],
    logLevel: 'warning',
  });
  const served = new Map();
  for (const out of result.outputFiles) {
    const path = `/${relative(outdir, out.path)}`;
    served.set(path, out.contents);
    if (path.endsWith('.js.map')) sourceMaps.set(path.slice(0, -4), { map: new SourceMap(JSON.parse(out.text)), dir: dirname(out.path) });
  }
  served.set('/index.html', readFileSync(join(HERE, 'index.html')));
  for (const model of readdirSync(FIXTURES))
    for (const file of readdirSync(join(FIXTURES, model)))
      served.set(`/fixtures/clip/${model}/${file}`, readFileSync(join(FIXTURES, model, file)));
  served.set('/files.json', JSON.stringify(files.map((f) => ({ name: nameOf(f), url: `./tests/${nameOf(f)}.js` }))));
  return served;
}

/** bundle path ("/tests/x.js") → its source map, to turn stack frames back into source lines */
const sourceMaps = new Map();

/** Rewrites "http://127.0.0.1:PORT/chunk.js:L:C" in a stack to "packages/…/x.ts:L:C"; drops harness frames. */
function mapStack(text) {
  const mapped = String(text).replace(/https?:\/\/127\.0\.0\.1:\d+(\/[^\s:)]*):(\d+):(\d+)/g, (m, path, line, col) => {
    const sm = sourceMaps.get(path);
    const e = sm?.map.findEntry(Number(line) - 1, Number(col) - 1);
    if (!e?.originalSource) return m;
    return `${relative(ROOT, resolve(sm.dir, e.originalSource))}:${e.originalLine + 1}:${e.originalColumn + 1}`;
  });
  return mapped
    .split('\n')
    .filter((l) => !/test\/browser\/vitest-shim\.ts|127\.0\.0\.1:\d+\/:/.test(l))
    .join('\n');
}

// ---- run -----------------------------------------------------------------------------------------
function onReport(r, done) {
  if (r.type === 'info') console.log(dim(r.text));
  else if (r.type === 'file') console.log(`\n${r.file}`);
  else if (r.type === 'pass') {
    passed++;
    console.log(`  ${green('✓')} ${r.name} ${dim(`(${r.ms} ms)`)}`);
  } else if (r.type === 'fail') {
    failed++;
    console.log(red(`  ✗ ${r.name}${r.ms ? ` (${r.ms} ms)` : ''}`));
    console.log(red(indent(mapStack(r.error))));
  } else if (r.type === 'skip') {
    skipped++;
    console.log(yellow(`  - ${r.name} (${r.mode})`));
  } else if (r.type === 'done') done();
}

async function main() {
  checkPrerequisites();
  const files = selectTestFiles();
  console.log(`browser suite: ${files.join(', ')}`);
  let served;
  try {
    served = await bundle(files);
  } catch (e) {
    harnessFailure('esbuild could not bundle the test files', e.message);
    finish();
  }
  const server = await serve({ files: served });
  let browser;
  try {
    browser = await launchChromium({ headless: process.env.CLIPGPU_BROWSER_HEADFUL !== '1' });
    const page = await browser.newPage();
    page.setDefaultTimeout(TIMEOUT_MS);
    let resolveDone;
    const finished = new Promise((r) => (resolveDone = r));
    await page.exposeFunction('__clipgpuReport', (r) => onReport(r, resolveDone));
    // freshSeed() (testing.ts) reads process.env.CLIPGPU_TEST_SEED when `process` exists: to rerun
    // a failure with its seed, the page gets a minimal `process` only when that variable is set.
    const seed = process.env.CLIPGPU_TEST_SEED;
    if (seed) await page.evaluateOnNewDocument((s) => void (globalThis.process = { env: { CLIPGPU_TEST_SEED: s } }), seed);
    page.on('pageerror', (e) => harnessFailure('uncaught error in the page', mapStack(e?.stack || e?.message || String(e))));
    page.on('console', (msg) => {
      const loc = msg.location();
      const where = loc?.url ? ` (${mapStack(`${loc.url}:${(loc.lineNumber ?? 0) + 1}:${(loc.columnNumber ?? 0) + 1}`)})` : '';
      // the model loader probes fixture folders for optional files: the browser logs those 404s
      const probe = /\/fixtures\//.test(loc?.url ?? '') && /status of 404/.test(msg.text());
      if (msg.type() === 'error' && !probe) harnessFailure(`console error in the page${where}`, msg.text());
      else if (msg.type() === 'warn' || msg.type() === 'warning') console.log(yellow(`  [page warning] ${msg.text()}`));
      else console.log(dim(`  [page] ${msg.text()}`));
    });
    // a streamed read of a fixture ends its request early once it has what it needs
    page.on('requestfailed', (req) => {
      if (!(/\/fixtures\//.test(req.url()) && req.failure()?.errorText === 'net::ERR_ABORTED'))
        harnessFailure(`request failed: ${req.url()}`, req.failure()?.errorText ?? '');
    });
    browser.on('disconnected', () => resolveDone('disconnected'));
    let timer;
    const timeout = new Promise((r) => (timer = setTimeout(() => r('timeout'), TIMEOUT_MS)));
    await page.goto(server.url, { waitUntil: 'load' });
    const outcome = await Promise.race([finished, timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') harnessFailure(`the suite did not finish within ${TIMEOUT_MS / 1000} s (CLIPGPU_BROWSER_TIMEOUT_S)`);
    if (outcome === 'disconnected') harnessFailure('Chromium exited before the suite finished (crash?)');
    // the model loader probes for optional files (tokenizer, config) in fixture folders: a 404 there is an answer
    for (const path of server.misses.filter((p) => !p.startsWith('/fixtures/')))
      harnessFailure(`the page asked for ${path}, which the server does not have`);
  } catch (e) {
    harnessFailure('could not run the suite in Chromium', e?.stack || String(e));
  } finally {
    await browser?.close().catch(() => {});
    await server.close();
  }
  finish();
}

await main();
