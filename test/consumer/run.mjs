#!/usr/bin/env node
// The npm-consumer test: the packages as users get them. Packs every publishable package with
// `pnpm pack`, installs the tarballs with npm into a blank project outside the workspace, then
// uses them there: a Node script (loadClip(), ClipTokenizer.load(), the embedded decoder, no
// arguments), the CLI through npx, a strict TypeScript file, and one page built by esbuild, Vite
// and webpack with their defaults and run in headless Chromium on WebGPU. Ends with the line
// "N passed, N failed"; exit code 0 only when nothing failed.
//
//   pnpm build && node test/consumer/run.mjs      (CLIPGPU_CONSUMER_KEEP=1 keeps the project)
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';
import webpack from 'webpack';
import { launchChromium } from '../browser/chromium.mjs';
import { serve } from '../browser/server.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const require = createRequire(import.meta.url);
const PAGE_TIMEOUT_MS = 600_000;
/** What a bundler must never say about a browser build of ours. */
const NODE_TROUBLE = /node:|built-?in|externalized for browser|critical dependency|polyfill|can't resolve|could not resolve/i;
const CAT_IDS = [49406, 320, 1125, 539, 320, 2368, 49407]; // "a photo of a cat", OpenAI's tokenizer

let passed = 0;
let failed = 0;
const sizes = [];
async function check(name, fn) {
  const t0 = Date.now();
  try {
    const note = await fn();
    passed++;
    console.log(`  ✓ ${name} (${Date.now() - t0} ms)${note ? ` : ${note}` : ''}`);
  } catch (e) {
    failed++;
    console.log(`  ✗ ${name} (${Date.now() - t0} ms)\n      ${String(e?.message ?? e).replace(/\n/g, '\n      ')}`);
  }
}
function assert(ok, message) {
  if (!ok) throw new Error(message);
}
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
function bytesIn(path) {
  const st = statSync(path);
  return st.isDirectory() ? readdirSync(path).reduce((s, f) => s + bytesIn(join(path, f)), 0) : st.size;
}

// ---- pack and install ----------------------------------------------------------------------------
const work = mkdtempSync(join(tmpdir(), 'clipgpu-consumer-'));
const project = join(work, 'app');
const publishable = readdirSync(join(ROOT, 'packages'))
  .map((d) => join(ROOT, 'packages', d))
  .filter((d) => !JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')).private);
const tarballs = [];

await check(`pnpm pack ${publishable.map((d) => relative(ROOT, d)).join(', ')}`, () => {
  for (const dir of publishable) {
    const out = run('pnpm', ['pack', '--pack-destination', work], dir).trim().split('\n').pop();
    tarballs.push(out);
    sizes.push(`${relative(work, out)}: ${kb(statSync(out).size)} packed`);
  }
  return sizes.join(', ');
});

await check('npm install the tarballs into a blank project outside the workspace', () => {
  cpSync(join(HERE, 'app'), project, { recursive: true });
  writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'clipgpu-consumer', private: true, type: 'module' }, null, 2)}\n`);
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...tarballs], project);
  const ours = join(project, 'node_modules/@clipgpu');
  const line = `install: ${mb(bytesIn(join(project, 'node_modules')))} in node_modules (@clipgpu/*: ${mb(bytesIn(ours))}, of which assets ${mb(bytesIn(join(ours, 'clip-runtime/assets')))}; the optional webgpu (Dawn, Node only): ${mb(bytesIn(join(project, 'node_modules/webgpu')))})`;
  sizes.push(line);
  return line;
});

// ---- Node, CLI, TypeScript -----------------------------------------------------------------------
await check('Node: loadClip(), ClipTokenizer.load() and generators.decoder() with no argument', () => {
  const r = JSON.parse(run(process.execPath, ['node-check.mjs'], project).trim().split('\n').pop());
  assert(r.top === 'a red circle', `the sample red circle was read as '${r.top}'`);
  assert(JSON.stringify(r.ids) === JSON.stringify(CAT_IDS), `OpenAI's tokenizer gave ${r.ids}`);
  assert(r.steps === 3 && r.image?.length === 4, `generation through the embedded decoder: ${JSON.stringify(r)}`);
  return `top '${r.top}' p ${r.p.toFixed(2)}`;
});

const sample = join(project, 'node_modules/@clipgpu/clip-runtime/assets/samples/1-red-circle.png');
await check('npx clipgpu classify (no --model)', () => {
  const out = run('npx', ['--no-install', 'clipgpu', 'classify', sample, '--labels', 'a red circle,a blue square', '--json'], project);
  const top = JSON.parse(out)[0].scores[0];
  assert(top.label === 'a red circle', `top label ${JSON.stringify(top)}`);
  return `${top.label} ${top.score.toFixed(2)}`;
});

await check('npx clipgpu generate --generator decoder (no --model, no weights)', () => {
  const out = run(
    'npx',
    ['--no-install', 'clipgpu', 'generate', 'a red circle', '--generator', 'decoder', '--steps', '3', '--out', 'red.png'],
    project,
  );
  assert(statSync(join(project, 'red.png')).size > 100, 'no PNG written');
  return out.trim().split('\n').pop();
});

for (const resolution of ['NodeNext', 'Bundler']) {
  await check(`a strict TypeScript app type-checks (moduleResolution ${resolution}, skipLibCheck false, no @types)`, () => {
    const tsconfig = JSON.parse(readFileSync(join(project, 'tsconfig.json'), 'utf8'));
    tsconfig.compilerOptions.moduleResolution = resolution;
    tsconfig.compilerOptions.module = resolution === 'Bundler' ? 'ESNext' : 'NodeNext';
    writeFileSync(join(project, `tsconfig.${resolution}.json`), JSON.stringify(tsconfig));
    try {
      run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', `tsconfig.${resolution}.json`], project);
    } catch (e) {
      throw new Error(`${e.stdout}${e.stderr}`);
    }
  });
}

// ---- one page, three bundlers --------------------------------------------------------------------
const page = join(project, 'page');
const builds = {
  async esbuild(out) {
    const r = await esbuild({
      entryPoints: [join(page, 'main.js')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      outdir: out,
      logLevel: 'silent',
    });
    cpSync(join(page, 'index.html'), join(out, 'index.html'));
    // esbuild does not copy new URL(…, import.meta.url) assets: serve the package's files, as the README says
    for (const name of ['clipgpu-tiny', 'decoder-tiny', 'clip-bpe'])
      cpSync(join(project, 'node_modules/@clipgpu/clip-runtime/assets', name), join(out, 'models', name), { recursive: true });
    return r.warnings.map((w) => w.text);
  },
  async vite(out) {
    const warnings = [];
    const logger = {
      info() {},
      warnOnce: (m) => warnings.push(m),
      warn: (m) => warnings.push(m),
      error: (m) => warnings.push(m),
      clearScreen() {},
      hasWarned: false,
      hasErrorLogged: () => false,
    };
    await viteBuild({ root: page, configFile: false, logLevel: 'warn', customLogger: logger, build: { outDir: out, emptyOutDir: true } });
    return warnings;
  },
  async webpack(out) {
    const stats = await new Promise((ok, fail) =>
      webpack({ mode: 'production', context: project, entry: './page/main.js', output: { path: out } }, (e, s) => (e ? fail(e) : ok(s))),
    );
    const json = stats.toJson({ all: false, errors: true, warnings: true });
    if (stats.hasErrors()) throw new Error(json.errors.map((e) => e.message).join('\n'));
    cpSync(join(page, 'index.html'), join(out, 'index.html'));
    return json.warnings.map((w) => w.message);
  },
};

const { browser, close } = await launchChromium();
try {
  for (const [name, make] of Object.entries(builds)) {
    const out = join(work, `dist-${name}`);
    let built = false;
    await check(`${name}: the page builds with no errors and no warnings about Node built-ins`, async () => {
      const warnings = await make(out);
      const trouble = warnings.filter((w) => NODE_TROUBLE.test(w));
      assert(!trouble.length, trouble.join('\n'));
      built = true;
      const js = readdirSync(out, { recursive: true }).filter((f) => f.endsWith('.js'));
      const line = `${name}: ${mb(bytesIn(out))} output, ${kb(js.reduce((s, f) => s + statSync(join(out, f)).size, 0))} of JavaScript`;
      sizes.push(line);
      return `${line}${warnings.length ? `; other warnings: ${warnings.map((w) => w.split('\n')[0]).join(' | ')}` : ''}`;
    });
    if (!built) continue;
    await check(`${name}: the page runs CLIP on WebGPU in Chromium`, async () => {
      const files = new Map(
        readdirSync(out, { recursive: true })
          .filter((f) => statSync(join(out, f)).isFile())
          .map((f) => [`/${f}`, readFileSync(join(out, f))]),
      );
      const server = await serve(files);
      const tab = await browser.newPage();
      try {
        await tab.goto(server.url);
        await tab.waitForFunction(() => window.__result, { timeout: PAGE_TIMEOUT_MS, polling: 500 });
        const r = await tab.evaluate(() => window.__result);
        assert(r.ok, `the page failed: ${r.error}`);
        assert(JSON.stringify(r.relu) === '[0,3]', `relu kernel gave ${r.relu}`);
        assert(r.top === 'a red circle', `the drawn red circle was read as '${r.top}'`);
        assert(JSON.stringify(r.ids) === JSON.stringify(CAT_IDS), `OpenAI's tokenizer gave ${r.ids}`);
        assert(r.steps === 3, `guided steps through the decoder: ${r.steps}`);
        const fell = Object.keys(r.fallbacks);
        if (name === 'esbuild') {
          // without the assets, each loader names the file, the URL it tried and what to do
          assert(fell.length === 3, `expected all three embedded loads to need the served copies, got ${fell}`);
          for (const [what, message] of Object.entries(r.fallbacks))
            assert(
              /esbuild/.test(message) && /copy node_modules\/@clipgpu\/clip-runtime\/assets\//.test(message),
              `${what}: unhelpful error: ${message}`,
            );
          return `top '${r.top}' p ${r.p.toFixed(2)}; without the assets: ${r.fallbacks.loadClip.split('. ')[0]}`;
        }
        assert(!fell.length, `the bundle did not carry the embedded assets: ${JSON.stringify(r.fallbacks)}`);
        return `top '${r.top}' p ${r.p.toFixed(2)}, embedded model, tokenizer and decoder from the bundle`;
      } finally {
        await tab.close();
        await server.close();
      }
    });
  }
} finally {
  await close();
}

console.log(`\nsizes: ${sizes.join('; ')}`);
if (process.env.CLIPGPU_CONSUMER_KEEP === '1') console.log(`project kept in ${project}`);
else rmSync(work, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
