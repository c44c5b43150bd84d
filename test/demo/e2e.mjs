#!/usr/bin/env node
// End-to-end test of the web demo (packages/demo) in headless Chromium with WebGPU on SwiftShader:
// builds the demo, serves it on 127.0.0.1, and drives the page as a user would: the embedded model
// loads, a sample is classified (top label checked; the repeat comes from the embedding cache),
// generation starts with the decoder and one click on "a red circle" draws one that CLIP reads as
// such, a short fourier generation runs with pause/resume (the canvas changes, the loss falls), a
// Hugging Face download is served from the Cache API on the second visit, the benchmark page runs a
// few rows with a peer (bench-page.mjs), and the messages for a missing WebGPU and a lost device
// show. Any console error fails the run. Screenshots go to test-artifacts/demo/ (git-ignored); two
// are copied to docs/ (demo.png, bench-page.png) for the README.
// The last line is "N passed, N failed"; exit 0 only when all passed.
//
//   pnpm test:demo        (CHROMIUM_PATH, CLIPGPU_DEMO_HEADFUL=1, CLIPGPU_DEMO_TIMEOUT_S=900,
//                          CLIPGPU_DEMO_VERBOSE=1; to test files not in weights/ yet: CLIPGPU_DEMO_MODEL=dir,
//                          CLIPGPU_DEMO_DECODER=decoder.safetensors)
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDemo, DIST } from '../../packages/demo/scripts/build.mjs';
import { CHROMIUM, launchChromium, serveFolder } from '../../packages/browser-harness/index.mjs';
import { checkBenchPage } from './bench-page.mjs';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const ARTIFACTS = join(ROOT, 'test-artifacts/demo');
const TIMEOUT_MS = Number(process.env.CLIPGPU_DEMO_TIMEOUT_S || 900) * 1000;
const STEP_MS = 120_000; // one wait (model load, a generation) on a busy 2-core machine
const STEPS = 8; // generation steps (seeded: the same losses on every run on one adapter)
const t0 = Date.now();

const tty = process.stdout.isTTY;
const paint = (c, s) => (tty ? `\x1b[${c}m${s}\x1b[0m` : s);
let passed = 0;
let failed = 0;
const log = (s) => console.log(paint(2, s));

async function check(name, fn) {
  const t = Date.now();
  try {
    const note = await fn();
    passed++;
    console.log(`  ${paint(32, '✓')} ${name} ${paint(2, `(${Date.now() - t} ms)${note ? ` ${note}` : ''}`)}`);
    return true;
  } catch (e) {
    failed++;
    console.log(paint(31, `  ✗ ${name} (${Date.now() - t} ms)\n${String(e?.stack || e).replace(/^/gm, '      ')}`));
    return false;
  }
}
const assert = (ok, msg) => {
  if (!ok) throw new Error(msg);
};

// ---- fallback while weights/ has no embedded model: the CLIP fixture with a toy tokenizer ---------
function byteSymbols() {
  const keep = (b) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const out = [];
  for (let b = 0; b < 256; b++) if (keep(b)) out.push(String.fromCharCode(b));
  let n = 0;
  for (let b = 0; b < 256; b++) if (!keep(b)) out.push(String.fromCharCode(256 + n++));
  return out;
}
function addFixtureModel(manifest) {
  const dir = join(DIST, 'weights/fixture-toy');
  mkdirSync(dir, { recursive: true });
  for (const f of ['config.json', 'model.safetensors']) copyFileSync(join(ROOT, 'test/fixtures/clip/tiny-quickgelu', f), join(dir, f));
  const vocab = {};
  byteSymbols().forEach((s, i) => {
    vocab[s] = 1 + (i % 96);
    vocab[`${s}</w>`] = 1 + ((i * 7 + 3) % 96);
  });
  Object.assign(vocab, { '<|startoftext|>': 97, '<|endoftext|>': 98 });
  writeFileSync(join(dir, 'vocab.json'), JSON.stringify(vocab));
  writeFileSync(join(dir, 'merges.txt'), '#version: 0.2\n');
  manifest.models.push({ id: 'fixture-toy', label: 'untrained test fixture (toy tokenizer)', url: './weights/fixture-toy/' });
}
/** A 64×64 PNG of a red disc on blue, when weights/samples/ has none. */
function addSample(manifest) {
  const { PNG } = createRequire(join(ROOT, 'packages/clip-runtime/package.json'))('pngjs');
  const png = new PNG({ width: 64, height: 64 });
  for (let y = 0; y < 64; y++)
    for (let x = 0; x < 64; x++) {
      const inside = (x - 32) ** 2 + (y - 32) ** 2 < 18 ** 2;
      png.data.set(inside ? [220, 30, 30, 255] : [30, 60, 220, 255], 4 * (64 * y + x));
    }
  mkdirSync(join(DIST, 'weights/samples'), { recursive: true });
  writeFileSync(join(DIST, 'weights/samples/red-circle.png'), PNG.sync.write(png));
  manifest.samples.push({ name: 'red-circle.png', caption: 'a red circle', url: './weights/samples/red-circle.png' });
}

// ---- main ------------------------------------------------------------------------------------------
async function main() {
  if (!existsSync(CHROMIUM)) {
    failed++;
    console.log(paint(31, `  ✗ Chromium not found at ${CHROMIUM} (apt-get install -y chromium libvulkan1, or set CHROMIUM_PATH)`));
    return;
  }
  const manifest = await buildDemo({ quiet: true });
  // CLIPGPU_DEMO_MODEL=dir: test with this trained CLIP folder (HF layout) instead of weights/'s
  const extraModel = process.env.CLIPGPU_DEMO_MODEL;
  if (extraModel) {
    const id = basename(resolve(extraModel));
    cpSync(extraModel, join(DIST, 'weights', id), { recursive: true });
    manifest.models.unshift({ id, label: `${id} (CLIPGPU_DEMO_MODEL)`, url: `./weights/${id}/` });
  }
  const trained = manifest.models.length > 0;
  if (!trained) {
    console.log(paint(33, '!!! weights/ has no embedded CLIP yet: using the untrained test fixture (the top label is not checked)'));
    addFixtureModel(manifest);
  }
  if (!manifest.samples.length) addSample(manifest);
  // CLIPGPU_DEMO_DECODER=file.safetensors: test the decoder generator with this file (when weights/ has none)
  const extraDecoder = process.env.CLIPGPU_DEMO_DECODER;
  if (extraDecoder && !manifest.decoder) {
    mkdirSync(join(DIST, 'weights/decoder-tiny'), { recursive: true });
    copyFileSync(extraDecoder, join(DIST, 'weights/decoder-tiny/model.safetensors'));
    manifest.decoder = './weights/decoder-tiny/model.safetensors';
  }
  writeFileSync(join(DIST, 'demo.json'), JSON.stringify(manifest, null, 2));
  const model = manifest.models[0];
  const sample = manifest.samples[0];
  log(
    `demo built (${model.id}, ${manifest.samples.length} sample(s), decoder ${manifest.decoder ? 'yes' : 'no'}) in ${Date.now() - t0} ms`,
  );

  mkdirSync(ARTIFACTS, { recursive: true });
  const server = await serveFolder(DIST);
  const browser = await launchChromium({
    headless: process.env.CLIPGPU_DEMO_HEADFUL !== '1',
    defaultViewport: { width: 1100, height: 900, deviceScaleFactor: 1 },
  });
  const consoleErrors = [];
  const watch = (page, tag) => {
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`[${tag}] ${m.text()} ${m.location()?.url ?? ''}`);
      else if (process.env.CLIPGPU_DEMO_VERBOSE) log(`  [${tag}] ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`[${tag}] uncaught: ${e?.message ?? e}`));
    page.setDefaultTimeout(STEP_MS);
  };
  const killer = setTimeout(() => {
    console.log(paint(31, `the run exceeded ${TIMEOUT_MS / 1000} s (CLIPGPU_DEMO_TIMEOUT_S)`));
    failed++;
    browser.close().finally(() => finish());
  }, TIMEOUT_MS);

  try {
    const page = await browser.newPage();
    watch(page, 'demo');
    await page.goto(server.url);

    const loaded = await check(`the page loads and the embedded model (${model.id}) is ready`, async () => {
      await page.waitForSelector('body[data-model="ready"], body[data-model="error"], #fatal:not([hidden])');
      const state = await page.$eval('body', (b) => ({
        ...b.dataset,
        fatal: document.getElementById('fatal').textContent,
        error: document.getElementById('error').textContent,
      }));
      assert(state.model === 'ready', `model state ${state.model}: ${state.fatal || state.error}`);
      return `: ${await page.$eval('#model-status', (e) => e.textContent)}`;
    });

    let expected = '';
    if (loaded) {
      await check(`classifies the sample ${sample.name}`, async () => {
        const labels = await page.$eval('#labels', (e) => e.value.split(',').map((s) => s.trim()));
        expected = labels.find((l) => l === sample.caption || l.endsWith(sample.caption)) ?? '';
        await page.click(`#samples button[title="${sample.name}"]`);
        await page.waitForSelector('body[data-classify="done"], body[data-classify="error"]');
        const bars = await page.$$eval('#bars .bar', (rows) =>
          rows.map((r) => ({ label: r.dataset.label, score: Number(r.dataset.score) })),
        );
        assert(bars.length === labels.length, `${bars.length} bars for ${labels.length} labels`);
        const sum = bars.reduce((s, b) => s + b.score, 0);
        assert(Math.abs(sum - 1) < 1e-3, `probabilities sum to ${sum}`);
        const top = bars[0];
        if (trained)
          assert(
            top.label === expected,
            `top label '${top.label}' (${(100 * top.score).toFixed(1)}%), expected '${expected}'; all: ${JSON.stringify(bars)}`,
          );
        return `: top '${top.label}' ${(100 * top.score).toFixed(1)}%${trained ? '' : ' (untrained fixture: not checked)'}`;
      });

      await check('a repeated classification comes from the embedding cache', async () => {
        await page.$eval('body', (b) => (b.dataset.classify = ''));
        await page.click('#classify');
        await page.waitForSelector('body[data-classify="done"]');
        const status = await page.$eval('#classify-status', (e) => e.textContent);
        assert(/(\d+) of \1 label embeddings and the image embedding from the cache/.test(status), `status: ${status}`);
      });

      if (manifest.decoder)
        await check('generation starts with the decoder; one click on "a red circle" draws one, and CLIP reads it so', async () => {
          const form = await page.evaluate(() => ['generator', 'prompts', 'steps', 'cutn'].map((id) => document.getElementById(id).value));
          assert(form[0] === 'decoder' && form[1] === 'a red circle', `the form starts at ${form.join(', ')}`);
          await page.click('#examples button[data-prompt="a red circle"]');
          await page.waitForSelector('body[data-gen="done"], body[data-gen="error"], body[data-gen="stopped"]', { timeout: 300_000 });
          const state = await page.$eval('body', (b) => b.dataset.gen);
          assert(state === 'done', `generation ended '${state}': ${await page.$eval('#error', (e) => e.textContent)}`);
          await page.waitForSelector('body[data-reads="done"]');
          const reads = await page.$$eval('#reads .bar', (rows) =>
            rows.map((r) => ({ label: r.dataset.label, score: Number(r.dataset.score) })),
          );
          assert(reads.length === 5, `${reads.length} labels read`);
          if (trained) assert(reads[0].label === 'a red circle', `CLIP reads ${JSON.stringify(reads)}`);
          const red = await page.$eval('#gen-canvas', (c) => {
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0;
            for (let i = 0; i < d.length; i += 4) if (d[i] > 150 && d[i + 1] < 90 && d[i + 2] < 110) n++;
            return n / (d.length / 4);
          });
          if (trained) assert(red > 0.03, `only ${(100 * red).toFixed(1)}% of the pixels are red`);
          await page.screenshot({ path: join(ARTIFACTS, 'demo-decoder.png'), fullPage: true });
          return `: ${form[2]} steps, cutn ${form[3]}; CLIP reads '${reads[0].label}' ${(100 * reads[0].score).toFixed(1)}%; ${(100 * red).toFixed(0)}% red pixels`;
        });

      await check('guided generation: the canvas changes, the loss falls, pause and resume work', async () => {
        // fourier: its loss falls step by step; the decoder's few-step losses are dominated by the
        // random cutouts (its latent moves slowly), so "the loss falls" would test noise
        const gen = 'fourier';
        const S = await page.evaluate(() => window.clipgpuDemo.clip.config.vision_config.image_size);
        await page.select('#generator', gen);
        for (const [id, v] of [
          ['size', String(S)],
          ['steps', String(STEPS)],
          ['cutn', '4'],
          ['seed', '1'],
          ['lr', '0.05'],
          ['every', '1'],
        ])
          await page.$eval(`#${id}`, (e, v) => (e.value = v), v);
        if (trained) await page.$eval('#prompts', (e, v) => (e.value = v), expected || sample.caption);
        await page.click('#gen-start');
        await page.waitForFunction(
          () => Number(document.getElementById('gen-canvas').dataset.frames) >= 1 || document.body.dataset.gen === 'error',
        );
        await page.click('#gen-pause');
        await page.waitForSelector('body[data-gen="paused"], body[data-gen="error"]');
        const first = await page.$eval('#gen-canvas', (c) => c.toDataURL());
        const t1 = Date.now();
        const pausedAt = await page.$eval('#loss', (s) => JSON.parse(s.dataset.losses).length);
        await new Promise((r) => setTimeout(r, 300));
        const still = await page.$eval('#loss', (s) => JSON.parse(s.dataset.losses).length);
        assert(still === pausedAt, `the run went on while paused (${pausedAt} → ${still} steps)`);
        assert((await page.$eval('#gen-pause', (b) => b.textContent)) === 'Resume', 'the pause button does not offer Resume');
        await page.click('#gen-pause');
        await page.waitForSelector('body[data-gen="done"], body[data-gen="error"], body[data-gen="stopped"]');
        const state = await page.$eval('body', (b) => b.dataset.gen);
        assert(state === 'done', `generation ended '${state}': ${await page.$eval('#error', (e) => e.textContent)}`);
        const last = await page.$eval('#gen-canvas', (c) => c.toDataURL());
        const perStep = (Date.now() - t1) / (STEPS - 1);
        const losses = await page.$eval('#loss', (s) => JSON.parse(s.dataset.losses));
        assert(losses.length === STEPS, `${losses.length} losses for ${STEPS} steps`);
        assert(last !== first, 'the canvas did not change between the first frame and the last');
        const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
        const [a, b] = [mean(losses.slice(0, 2)), mean(losses.slice(-2))];
        assert(
          b < a,
          `the loss did not fall: first steps ${a.toFixed(4)}, last steps ${b.toFixed(4)} (${losses.map((l) => l.toFixed(3)).join(' ')})`,
        );
        assert(!(await page.$eval('#gen-download', (e) => e.hidden)), 'no Download PNG link after the run');
        await page.screenshot({ path: join(ARTIFACTS, 'demo.png'), fullPage: true });
        copyFileSync(join(ARTIFACTS, 'demo.png'), join(ROOT, 'docs/demo.png'));
        return `: ${gen}, mean loss of the first 2 steps ${a.toFixed(4)} → last 2 ${b.toFixed(4)}; ${perStep.toFixed(0)} ms/step after the first`;
      });

      await check('a Hugging Face model downloads with progress and loads from the Cache API on the next visit', async () => {
        // huggingface.co answered from the embedded model's files (no network here)
        const hub = await browser.newPage();
        watch(hub, 'hub');
        const served = [];
        await hub.setRequestInterception(true);
        hub.on('request', (req) => {
          const m = /^https:\/\/huggingface\.co\/test-org\/tiny-clip\/resolve\/main\/([\w.]+)$/.exec(req.url());
          if (!m) return req.continue();
          served.push(`${req.method()} ${m[1]}`);
          const file = join(DIST, model.url, m[1]);
          if (!existsSync(file)) return req.respond({ status: 404, body: 'not found' });
          const body = readFileSync(file);
          const head = req.method() === 'HEAD';
          req.respond({
            status: 200,
            headers: { 'access-control-allow-origin': '*', ...(head ? {} : { 'content-length': String(body.length) }) },
            contentType: 'application/octet-stream',
            body: head ? '' : body,
          });
        });
        const url = `${server.url}?model=test-org/tiny-clip&clear-cache`;
        await hub.goto(url);
        await hub.waitForSelector('body[data-model="ready"], body[data-model="error"]');
        assert(
          (await hub.$eval('body', (b) => b.dataset.model)) === 'ready',
          `first visit: ${await hub.$eval('#error', (e) => e.textContent)}`,
        );
        assert(
          served.some((s) => s === 'GET model.safetensors'),
          `model.safetensors was not downloaded: ${served.join(', ')}`,
        );
        const firstVisit = served.length;
        await hub.goto(`${server.url}?model=test-org/tiny-clip`);
        await hub.waitForSelector('body[data-model="ready"], body[data-model="error"]');
        assert(
          (await hub.$eval('body', (b) => b.dataset.model)) === 'ready',
          `second visit: ${await hub.$eval('#error', (e) => e.textContent)}`,
        );
        const again = served.slice(firstVisit);
        assert(again.length === 0, `the second visit went to the network: ${again.join(', ')}`);
        await hub.close();
        return `: first visit ${firstVisit} requests, second 0`;
      });
    }

    if (manifest.bench) await checkBenchPage({ browser, server, check, assert, watch, artifacts: ARTIFACTS, root: ROOT });
    else await check('the benchmark page is built', async () => assert(false, 'the demo build has no benchmark page (see its warning)'));

    await check('no console errors', async () => {
      assert(consoleErrors.length === 0, consoleErrors.join('\n'));
    });

    await check('without WebGPU the page says so and what to do', async () => {
      const p = await browser.newPage();
      await p.evaluateOnNewDocument(() => {
        delete Navigator.prototype.gpu;
      });
      await p.goto(server.url);
      await p.waitForSelector('#fatal:not([hidden])', { timeout: 20_000 });
      const text = await p.$eval('#fatal', (e) => e.textContent);
      assert(/no WebGPU/.test(text) && /Chrome/.test(text), `message: ${text}`);
      assert(await p.$eval('#gen-start', (b) => b.disabled), 'Generate is enabled without WebGPU');
      await p.screenshot({ path: join(ARTIFACTS, 'no-webgpu.png') });
      await p.close();
    });

    if (loaded)
      await check('a lost GPU device is reported with a way out', async () => {
        await page.evaluate(() => window.clipgpuDemo.runtime.gpu.device.destroy());
        await page.waitForSelector('#fatal:not([hidden])', { timeout: 20_000 });
        const text = await page.$eval('#fatal', (e) => e.textContent);
        assert(/device was lost/.test(text) && /Reload/.test(text), `message: ${text}`);
        assert((await page.$eval('body', (b) => b.dataset.gpu)) === 'lost', 'data-gpu is not "lost"');
        await page.screenshot({ path: join(ARTIFACTS, 'device-lost.png') });
      });
  } catch (e) {
    failed++;
    console.log(paint(31, `  ✗ the run broke: ${e?.stack || e}`));
  } finally {
    clearTimeout(killer);
    await browser.close().catch(() => {});
    await server.close();
  }
}

function finish() {
  log(`(${((Date.now() - t0) / 1000).toFixed(1)} s; screenshots in ${ARTIFACTS})`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
}

await main();
finish();
