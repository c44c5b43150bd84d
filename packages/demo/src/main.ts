// clipgpu web demo: zero-shot classification and CLIP-guided generation, all on WebGPU in the page.
// This file boots it: WebGPU, model loading and the page's wiring.
//
// The demo is meant to be read as an example. The parts that use the library are:
//   1. startGpu()       – checking for WebGPU, creating the runtime, watching for a lost device (here)
//   2. loadModel()      – loadClip() from a URL folder (embedded model) or from the Hugging Face Hub (here)
//   3. classify()       – clip.encodeText / clip.encodeImage, with embeddings cached by content (classify-panel.ts)
//   4. runGeneration()  – generate(clip, {...}) iterated step by step, with pause / resume / stop (generate-panel.ts)
// Everything else is plain DOM wiring (dom.ts, state.ts). The page keeps the event loop free between GPU
// steps (each step awaits the GPU, and the loop yields with setTimeout), so it stays responsive during a run.
import { init, loadClip, type ModelFiles, type Runtime } from '@clipgpu/clip-runtime';
import { classify, wireImageInput } from './classify-panel.js';
import { $, fatal, input, setState, showError } from './dom.js';
import { applyGeneratorDefaults, downloadPng, runGeneration, stopGeneration, togglePause } from './generate-panel.js';
import { clearModelCache, huggingFaceFiles } from './hf.js';
import { app, setBusy, updateButtons } from './state.js';

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
    fatal(
      'WebGPU is available, but no GPU adapter was found (requestAdapter() returned null).\n' +
        'The GPU or its driver may be blocklisted: see chrome://gpu, update the graphics driver, or try chrome://flags/#enable-unsafe-webgpu.',
    );
    return undefined;
  }
  // init() creates the library's default runtime (device + buffer pool); loadClip() uses it.
  const rt = await init();
  // A device can be lost at any time: driver reset, GPU removed, out of memory, tab discarded.
  // Every tensor on it is gone, so the only way back is a new device and a reloaded model.
  rt.gpu.device.lost.then((info) => {
    setState('gpu', 'lost');
    app.run?.stop();
    app.resume?.();
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
async function loadModel(
  source: { kind: 'embedded'; id: string; url: string } | { kind: 'hub'; repo: string; f16: boolean },
): Promise<void> {
  if (!app.runtime) return;
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
          status.textContent = cached
            ? `${file}: from the browser cache`
            : `Downloading ${file}: ${mb(loaded)}${total ? ` of ${mb(total)}` : ''}`;
          if (total) progress.value = loaded / total;
        },
      });
    }
    const next = await loadClip(files, {
      runtime: app.runtime,
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
    app.clip?.dispose();
    app.clip = next;
    app.modelKey = source.kind === 'embedded' ? `embedded:${source.id}` : `hub:${source.repo}${source.f16 ? ':f16' : ''}`;
    const { vision_config: v, projection_dim } = app.clip.config;
    status.textContent = `${name}: ${v.image_size}×${v.image_size} input, ${projection_dim}-d embeddings, ${v.num_hidden_layers}-layer vision transformer.`;
    // a sensible default canvas: the model's input size (twice it for tiny models); then the
    // generator's own defaults, which know what the embedded model needs
    input('size').value = String(v.image_size >= 128 ? v.image_size : 2 * v.image_size);
    if (app.manifest.models.some((m) => app.modelKey === `embedded:${m.id}`)) applyGeneratorDefaults();
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

// ---- wiring ----------------------------------------------------------------------------------------
async function main(): Promise<void> {
  setState('model', 'none');
  window.addEventListener('unhandledrejection', (e) => showError(e.reason));
  app.manifest = await (await fetch('./demo.json')).json();

  // the benchmark page, when the build found one
  const bench = $<HTMLAnchorElement>('bench-link');
  if (app.manifest.bench) bench.href = app.manifest.bench;
  else {
    // placeholder: packages/bench has no page in this build
    bench.href = '#';
    bench.textContent = 'Kernel benchmarks (placeholder: no page in this build)';
    bench.title = 'Run `pnpm bench:kernels` in Node; a browser page will be linked here once packages/bench builds one.';
    bench.onclick = (e) => e.preventDefault();
  }

  // models: the embedded ones, then any Hugging Face repo id
  const select = $<HTMLSelectElement>('model-select');
  for (const m of app.manifest.models) select.append(new Option(m.label, m.id));
  if (!app.manifest.models.length) select.append(new Option('none in weights/ (download one →)', ''));
  if (app.manifest.decoder) $<HTMLSelectElement>('generator').prepend(new Option('decoder', 'decoder', true, true));

  // default labels: what the samples show, else a few of the tiny model's captions
  const captions = [...new Set(app.manifest.samples.map((s) => s.caption))];
  $<HTMLTextAreaElement>('labels').value = (
    captions.length >= 2 ? captions : ['a red circle', 'a blue square', 'a green triangle', 'a yellow star']
  ).join(', ');

  wireImageInput();
  $('classify').onclick = () => void classify();
  $('gen-start').onclick = () => void runGeneration();
  $('gen-pause').onclick = togglePause;
  $('gen-stop').onclick = stopGeneration;
  $('gen-download').onclick = downloadPng;
  $('generator').onchange = () => {
    applyGeneratorDefaults();
    updateButtons();
  };
  // example prompts: one click puts one in the prompt box
  for (const b of Array.from(document.querySelectorAll<HTMLButtonElement>('#examples button')))
    b.onclick = () => {
      input('prompts').value = b.dataset.prompt!;
      if (!app.run && !$<HTMLButtonElement>('gen-start').disabled) void runGeneration();
    };
  $('model-load').onclick = () => {
    const m = app.manifest.models.find((x) => x.id === select.value);
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

  app.runtime = await startGpu();
  // debugging handle: clipgpuDemo.clip in the console
  Object.assign(window, {
    clipgpuDemo: {
      get clip() {
        return app.clip;
      },
      get runtime() {
        return app.runtime;
      },
    },
  });
  if (!app.runtime) return;
  updateButtons();
  const hub = params.get('model');
  if (hub) {
    input('hf-repo').value = hub;
    await loadModel({ kind: 'hub', repo: hub, f16: params.has('f16') });
  } else if (app.manifest.models.length) await loadModel({ kind: 'embedded', ...app.manifest.models[0] });
}

main().catch(showError);
