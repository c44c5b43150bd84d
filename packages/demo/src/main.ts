// clipgpu web demo: zero-shot classification and CLIP-guided generation, all on WebGPU in the page.
//
// This file is meant to be read as an example. The parts that use the library are:
//   1. startGpu()       – checking for WebGPU, creating the runtime, watching for a lost device
//   2. loadModel()      – loadClip() from a URL folder (embedded model) or from the Hugging Face Hub
//   3. classify()       – clip.encodeText / clip.encodeImage, with embeddings cached by content
//   4. runGeneration()  – generate(clip, {...}) iterated step by step, with pause / resume / stop
// Everything else is plain DOM wiring. The page keeps the event loop free between GPU steps (each
// step awaits the GPU, and the loop yields with setTimeout), so it stays responsive during a run.
import {
  generate, generators, imageToRgb, init, loadClip,
  type Clip, type GenerationRun, type ModelFiles, type Runtime, type Tensor,
} from '@clipgpu/clip-runtime';
import { renderBars, renderLossCurve } from './charts.js';
import { clearModelCache, huggingFaceFiles } from './hf.js';

/** demo.json, written by scripts/build.mjs from what the repository's weights/ folder holds. */
interface Manifest {
  models: { id: string; label: string; url: string }[];
  decoder: string | null;
  samples: { name: string; caption: string; url: string }[];
  bench: string | null;
}

// ---- DOM helpers ----------------------------------------------------------------------------------
const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`demo: no #${id} in index.html`);
  return el as T;
};
const input = (id: string) => $<HTMLInputElement>(id);
const intOf = (id: string, min: number) => {
  const v = Number(input(id).value);
  if (!Number.isInteger(v) || v < min) throw new Error(`${id}: enter a whole number ≥ ${min}`);
  return v;
};
/** Lets the browser handle input and paint before the next piece of GPU work. */
const yieldToBrowser = () => new Promise<void>((r) => setTimeout(r, 0));
/** Page state for tests and curious users: <body data-model="ready" data-gen="running" …>. */
const setState = (key: 'gpu' | 'model' | 'classify' | 'gen', value: string) => (document.body.dataset[key] = value);

function showError(e: unknown): void {
  const msg = e instanceof Error ? e.message : String(e);
  const el = $('error');
  el.textContent = msg;
  el.hidden = false;
  console.error(e);
}
const clearError = () => ($('error').hidden = true);

function fatal(message: string, action?: { label: string; run: () => void }): void {
  const el = $('fatal');
  el.textContent = message;
  if (action) {
    const b = document.createElement('button');
    b.textContent = action.label;
    b.onclick = action.run;
    el.append(document.createElement('br'), b);
  }
  el.hidden = false;
  document.querySelectorAll<HTMLButtonElement>('section button').forEach((b) => (b.disabled = true));
}

// ---- app state -------------------------------------------------------------------------------------
let manifest: Manifest = { models: [], decoder: null, samples: [], bench: null };
let runtime: Runtime | undefined;
let clip: Clip | undefined;
/** identifies the loaded model in the embedding caches */
let modelKey = '';
let image: { blob: Blob; hash: string; name: string } | undefined;
let run: GenerationRun | undefined;
let paused = false;
let resume: (() => void) | undefined;

// Embedding caches: text by model + text, images by model + SHA-256 of the file. Vectors are kept
// normalized on the CPU (a few hundred floats each), so a repeated classification needs no GPU work.
const textEmbeddings = new Map<string, Float32Array>();
const imageEmbeddings = new Map<string, Float32Array>();

// ---- 1. WebGPU -------------------------------------------------------------------------------------
async function startGpu(): Promise<Runtime | undefined> {
  if (!('gpu' in navigator) || !navigator.gpu) {
    setState('gpu', 'missing');
    fatal(
      !window.isSecureContext
        ? `WebGPU needs a secure context. Open this page over https://, or from http://localhost or http://127.0.0.1 (this page is ${location.origin}).`
        : 'This browser has no WebGPU (navigator.gpu is missing).\n' +
            'Use Chrome or Edge 113 or newer on desktop (121+ on Android), Safari 26+, or Firefox 141+ on Windows.\n' +
            'On Linux, Chrome may need chrome://flags/#enable-unsafe-webgpu and #enable-vulkan turned on.',
    );
    return undefined;
  }
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) {
    setState('gpu', 'no-adapter');
    fatal('WebGPU is available, but no GPU adapter was found (requestAdapter() returned null).\n' +
      'The GPU or its driver may be blocklisted: see chrome://gpu, update the graphics driver, or try chrome://flags/#enable-unsafe-webgpu.');
    return undefined;
  }
  // init() creates the library's default runtime (device + buffer pool); loadClip() uses it.
  const rt = await init();
  // A device can be lost at any time: driver reset, GPU removed, out of memory, tab discarded.
  // Every tensor on it is gone, so the only way back is a new device and a reloaded model.
  rt.gpu.device.lost.then((info) => {
    setState('gpu', 'lost');
    run?.stop();
    resume?.();
    fatal(
      `The GPU device was lost (${info.reason}${info.message ? `: ${info.message}` : ''}).\n` +
        'This happens when the graphics driver restarts, the GPU runs out of memory, or the browser reclaims it. ' +
        'Reload the page to start again; if it keeps happening, pick a smaller model or image size.',
      { label: 'Reload the page', run: () => location.reload() },
    );
  });
  setState('gpu', 'ready');
  return rt;
}

// ---- 2. models -------------------------------------------------------------------------------------
async function loadModel(source: { kind: 'embedded'; id: string; url: string } | { kind: 'hub'; repo: string; f16: boolean }): Promise<void> {
  if (!runtime) return;
  const progress = $<HTMLProgressElement>('model-progress');
  const status = $('model-status');
  const name = source.kind === 'embedded' ? source.id : source.repo;
  setState('model', 'loading');
  setBusy(true);
  progress.hidden = false;
  progress.removeAttribute('value'); // indeterminate until sizes are known
  try {
    let files: string | ModelFiles;
    if (source.kind === 'embedded') {
      // A URL folder: the loader reads config.json, the tokenizer and the tensors with range requests.
      files = new URL(source.url, location.href).href;
    } else {
      // The Hub: whole files with download progress, cached in the Cache API for the next visit.
      files = huggingFaceFiles(source.repo, {
        onProgress: (file, loaded, total, cached) => {
          status.textContent = cached ? `${file}: from the browser cache` : `Downloading ${file}: ${mb(loaded)}${total ? ` of ${mb(total)}` : ''}`;
          if (total) progress.value = loaded / total;
        },
      });
    }
    const next = await loadClip(files, {
      runtime,
      dtype: source.kind === 'hub' && source.f16 ? 'f16' : 'f32',
      // called after each tensor is uploaded to the GPU
      onProgress: (loaded, total) => {
        progress.value = total ? loaded / total : 0;
        status.textContent = `Uploading ${name} to the GPU: ${mb(loaded)} of ${mb(total)}`;
      },
    });
    if (!next.tokenizer) {
      next.dispose();
      throw new Error(`${name} has no tokenizer files (vocab.json + merges.txt): it cannot read labels or prompts`);
    }
    // the new model replaces the old one only once it has loaded (a failed download keeps the old)
    clip?.dispose();
    clip = next;
    modelKey = source.kind === 'embedded' ? `embedded:${source.id}` : `hub:${source.repo}${source.f16 ? ':f16' : ''}`;
    const { vision_config: v, projection_dim } = clip.config;
    status.textContent = `${name}: ${v.image_size}×${v.image_size} input, ${projection_dim}-d embeddings, ${v.num_hidden_layers}-layer vision transformer.`;
    // a sensible default canvas: the model's input size (twice it for tiny models)
    input('size').value = String(v.image_size >= 128 ? v.image_size : 2 * v.image_size);
    setState('model', 'ready');
  } catch (e) {
    setState('model', 'error');
    status.textContent = `Could not load ${name}.`;
    showError(e);
  } finally {
    progress.hidden = true;
    setBusy(false);
  }
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`;

// ---- 3. zero-shot classification -------------------------------------------------------------------
async function sha256(blob: Blob): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Rows of an embedding tensor [B, D] as unit vectors on the CPU; the tensor is freed. */
async function unitRows(t: Tensor): Promise<Float32Array[]> {
  const [B, D] = t.shape;
  const data = (await t.toArray()) as Float32Array;
  t.dispose();
  return Array.from({ length: B }, (_, b) => {
    const row = data.slice(b * D, (b + 1) * D);
    const norm = Math.hypot(...row) || 1;
    return row.map((x) => x / norm);
  });
}

async function embedTexts(model: Clip, texts: string[]): Promise<{ vectors: Float32Array[]; cached: number }> {
  const key = (t: string) => `${modelKey}\u0000${t}`;
  const todo = [...new Set(texts.filter((t) => !textEmbeddings.has(key(t))))];
  if (todo.length) {
    // one batch for every new text: token ids → transformer → projection, [todo.length, D]
    const rows = await unitRows(await model.encodeText(todo));
    todo.forEach((t, i) => textEmbeddings.set(key(t), rows[i]));
  }
  return { vectors: texts.map((t) => textEmbeddings.get(key(t))!), cached: texts.length - todo.length };
}

async function embedImage(model: Clip, img: { blob: Blob; hash: string }): Promise<{ vector: Float32Array; cached: boolean }> {
  const key = `${modelKey}\u0000${img.hash}`;
  const hit = imageEmbeddings.get(key);
  if (hit) return { vector: hit, cached: true };
  // decode (the browser's codecs) → resize + crop + normalize (GPU) → vision transformer
  const [vector] = await unitRows(await model.encodeImage([img.blob]));
  imageEmbeddings.set(key, vector);
  return { vector, cached: false };
}

async function classify(): Promise<void> {
  if (!clip || !image) return;
  const labels = [...new Set($<HTMLTextAreaElement>('labels').value.split(',').map((s) => s.trim()).filter(Boolean))];
  if (labels.length < 2) return showError(new Error('Enter at least two labels, separated by commas.'));
  const template = input('template').value.includes('{}') ? input('template').value : '{}';
  const status = $('classify-status');
  clearError();
  setState('classify', 'busy');
  $<HTMLButtonElement>('classify').disabled = true;
  const t0 = performance.now();
  try {
    const text = await embedTexts(clip, labels.map((l) => template.replace('{}', l)));
    const img = await embedImage(clip, image);
    // softmax over the labels of logitScale · cos(image, text): CLIP's zero-shot classifier
    const logits = text.vectors.map((t) => clip!.logitScale * t.reduce((s, x, i) => s + x * img.vector[i], 0));
    const top = Math.max(...logits);
    const exps = logits.map((l) => Math.exp(l - top));
    const sum = exps.reduce((a, b) => a + b, 0);
    const scores = labels.map((label, k) => ({ label, score: exps[k] / sum })).sort((a, b) => b.score - a.score);
    renderBars($('bars'), scores);
    status.textContent =
      `${(performance.now() - t0).toFixed(0)} ms · ${text.cached} of ${labels.length} label embeddings and ` +
      `${img.cached ? 'the image embedding' : 'no image embedding'} from the cache`;
    setState('classify', 'done');
  } catch (e) {
    setState('classify', 'error');
    showError(e);
  } finally {
    updateButtons();
  }
}

async function setImage(blob: Blob, name: string): Promise<void> {
  if (!blob.type.startsWith('image/') && blob.type !== '') return showError(new Error(`${name} is not an image (${blob.type})`));
  const preview = $<HTMLImageElement>('preview');
  if (preview.src.startsWith('blob:')) URL.revokeObjectURL(preview.src);
  preview.src = URL.createObjectURL(blob);
  preview.alt = name;
  preview.hidden = false;
  $('drop-hint').hidden = true;
  image = { blob, hash: await sha256(blob), name };
  document.querySelectorAll<HTMLButtonElement>('#samples button').forEach((b) => b.classList.toggle('active', b.title === name));
  updateButtons();
  if (clip) await classify();
}

function wireImageInput(): void {
  const drop = $('drop');
  const file = input('file');
  file.onchange = () => file.files?.[0] && setImage(file.files[0], file.files[0].name);
  drop.ondragover = (e) => {
    e.preventDefault();
    drop.classList.add('over');
  };
  drop.ondragleave = () => drop.classList.remove('over');
  drop.ondrop = (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const f = e.dataTransfer?.files[0];
    if (f) void setImage(f, f.name);
  };
  document.addEventListener('paste', (e) => {
    const item = Array.from(e.clipboardData?.items ?? []).find((i) => i.type.startsWith('image/'));
    const f = item?.getAsFile();
    if (f) void setImage(f, f.name || 'pasted image');
  });
  const samples = $('samples');
  for (const s of manifest.samples) {
    const b = document.createElement('button');
    b.title = s.name;
    b.dataset.caption = s.caption;
    const img = document.createElement('img');
    img.src = s.url;
    img.alt = s.caption;
    b.append(img);
    b.onclick = async () => {
      const res = await fetch(s.url);
      if (!res.ok) return showError(new Error(`${s.url}: HTTP ${res.status}`));
      await setImage(await res.blob(), s.name);
    };
    samples.append(b);
  }
}

// ---- 4. guided generation --------------------------------------------------------------------------
const canvas = () => $<HTMLCanvasElement>('gen-canvas');

/** Draws an image tensor [1, 3, H, W] in [0, 1] on the canvas (reads it back from the GPU). */
async function draw(t: Tensor): Promise<void> {
  const { width, height, data } = await imageToRgb(t);
  const c = canvas();
  if (c.width !== width || c.height !== height) [c.width, c.height] = [width, height];
  const rgba = new ImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    rgba.data.set(data.subarray(3 * i, 3 * i + 3), 4 * i);
    rgba.data[4 * i + 3] = 255;
  }
  c.getContext('2d')!.putImageData(rgba, 0, 0);
  c.dataset.frames = String(Number(c.dataset.frames ?? 0) + 1);
}

async function runGeneration(): Promise<void> {
  if (!clip) return;
  clearError();
  const kind = $<HTMLSelectElement>('generator').value;
  let steps: number;
  let every: number;
  try {
    steps = intOf('steps', 1);
    every = intOf('every', 1);
    const size = intOf('size', 8);
    run = generate(clip, {
      // "a red circle:1|blurry:-0.5": weighted prompts; negative weights push the image away
      prompts: input('prompts').value,
      // a name ('fourier', 'pixels', 'siren') or a factory; the decoder needs its weights file
      generator: kind === 'decoder' ? generators.decoder(new URL(manifest.decoder!, location.href).href) : (kind as 'fourier' | 'pixels' | 'siren'),
      size,
      steps,
      cutn: intOf('cutn', 1),
      seed: intOf('seed', 0),
      lr: Number(input('lr').value),
    });
  } catch (e) {
    return showError(e); // options are checked by generate() before anything runs
  }
  const losses: number[] = [];
  const status = $('gen-status');
  const svg = $('loss') as unknown as SVGSVGElement;
  renderLossCurve(svg, losses);
  canvas().dataset.frames = '0';
  paused = false;
  setState('gen', 'running');
  updateButtons();
  status.textContent = 'Encoding the prompts and compiling the kernels…';
  try {
    // Each iteration is one optimisation step: render → cutouts → CLIP → loss → backward → Adam.
    // s.image is valid until the next step, so draw it inside the loop.
    for await (const s of run) {
      losses.push(s.loss);
      if (s.step === 1 || s.step % every === 0 || s.step === s.steps) await draw(s.image);
      renderLossCurve(svg, losses);
      status.textContent = `step ${s.step}/${s.steps} · loss ${s.loss.toFixed(4)} · ${(s.elapsedMs / s.step).toFixed(0)} ms/step`;
      if (paused) {
        setState('gen', 'paused');
        await draw(s.image); // show exactly where it stopped
        await new Promise<void>((r) => (resume = r));
        resume = undefined;
        if (!run.stopped) setState('gen', 'running');
      }
      await yieldToBrowser();
    }
    if (run.finalImage) await draw(run.finalImage);
    const done = losses.length;
    status.textContent = `${run.stopped ? 'Stopped' : 'Done'} after ${done} step${done === 1 ? '' : 's'} · loss ${losses[0]?.toFixed(4)} → ${losses.at(-1)?.toFixed(4)}`;
    setState('gen', run.stopped ? 'stopped' : 'done');
  } catch (e) {
    setState('gen', 'error');
    showError(e);
  } finally {
    run.dispose(); // frees the final image; prompts, optimizer and generator are freed by the run
    run = undefined;
    paused = false;
    $<HTMLAnchorElement>('gen-download').hidden = false;
    updateButtons();
  }
}

function togglePause(): void {
  if (!run) return;
  paused = !paused;
  if (!paused) resume?.();
  updateButtons();
}

function stopGeneration(): void {
  run?.stop(); // ends after the step in progress
  resume?.();
}

function downloadPng(e: Event): void {
  e.preventDefault();
  canvas().toBlob((blob) => {
    if (!blob) return;
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `clipgpu-${input('prompts').value.split('|')[0].split(':')[0].trim().replace(/\W+/g, '-').slice(0, 40) || 'image'}.png`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }, 'image/png');
}

// ---- wiring ----------------------------------------------------------------------------------------
let busy = false;
function setBusy(b: boolean): void {
  busy = b;
  updateButtons();
}

function updateButtons(): void {
  const ready = !!clip && !busy && document.body.dataset.gpu === 'ready';
  const btn = (id: string) => $<HTMLButtonElement>(id);
  btn('model-load').disabled = busy || !!run || !manifest.models.length || document.body.dataset.gpu !== 'ready';
  btn('hf-load').disabled = busy || !!run || document.body.dataset.gpu !== 'ready';
  btn('classify').disabled = !ready || !image || document.body.dataset.classify === 'busy';
  btn('gen-start').disabled = !ready || !!run;
  btn('gen-pause').disabled = !run;
  btn('gen-pause').textContent = paused ? 'Resume' : 'Pause';
  btn('gen-stop').disabled = !run;
  input('size').disabled = $<HTMLSelectElement>('generator').value === 'decoder';
}

async function main(): Promise<void> {
  setState('model', 'none');
  window.addEventListener('unhandledrejection', (e) => showError(e.reason));
  manifest = await (await fetch('./demo.json')).json();

  // the benchmark page, when the build found one
  const bench = $<HTMLAnchorElement>('bench-link');
  if (manifest.bench) bench.href = manifest.bench;
  else {
    // placeholder: packages/bench has no page in this build
    bench.href = '#';
    bench.textContent = 'Kernel benchmarks (placeholder: no page in this build)';
    bench.title = 'Run `pnpm bench:kernels` in Node; a browser page will be linked here once packages/bench builds one.';
    bench.onclick = (e) => e.preventDefault();
  }

  // models: the embedded ones, then any Hugging Face repo id
  const select = $<HTMLSelectElement>('model-select');
  for (const m of manifest.models) select.append(new Option(m.label, m.id));
  if (!manifest.models.length) select.append(new Option('none in weights/ (download one →)', ''));
  if (manifest.decoder) $<HTMLSelectElement>('generator').prepend(new Option('decoder', 'decoder', true, true));

  // default labels: what the samples show, else a few of the tiny model's captions
  const captions = [...new Set(manifest.samples.map((s) => s.caption))];
  $<HTMLTextAreaElement>('labels').value = (captions.length >= 2 ? captions : ['a red circle', 'a blue square', 'a green triangle', 'a yellow star']).join(', ');

  wireImageInput();
  $('classify').onclick = () => void classify();
  $('gen-start').onclick = () => void runGeneration();
  $('gen-pause').onclick = togglePause;
  $('gen-stop').onclick = stopGeneration;
  $('gen-download').onclick = downloadPng;
  $('generator').onchange = updateButtons;
  $('model-load').onclick = () => {
    const m = manifest.models.find((x) => x.id === select.value);
    if (m) void loadModel({ kind: 'embedded', id: m.id, url: m.url });
  };
  $('hf-load').onclick = () => {
    const repo = input('hf-repo').value.trim() || input('hf-repo').placeholder;
    void loadModel({ kind: 'hub', repo, f16: input('hf-f16').checked });
  };
  // a model repo id in the URL (?model=openai/clip-vit-base-patch32) loads it at once
  const params = new URLSearchParams(location.search);
  if (params.has('clear-cache')) await clearModelCache();
  updateButtons();

  runtime = await startGpu();
  // debugging handle: clipgpuDemo.clip in the console
  Object.assign(window, { clipgpuDemo: { get clip() { return clip; }, get runtime() { return runtime; } } });
  if (!runtime) return;
  updateButtons();
  const hub = params.get('model');
  if (hub) {
    input('hf-repo').value = hub;
    await loadModel({ kind: 'hub', repo: hub, f16: params.has('f16') });
  } else if (manifest.models.length) await loadModel({ kind: 'embedded', ...manifest.models[0] });
}

main().catch(showError);
