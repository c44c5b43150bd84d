// The demo's shared app state (manifest, runtime, model, image, generation run) and the one
// function that enables / disables the buttons from it.
import type { Clip, GenerationRun, Runtime } from '@clipgpu/clip-runtime';
import { $, input } from './dom.js';

/** demo.json, written by scripts/build.mjs from what the repository's weights/ folder holds. */
export interface Manifest {
  models: { id: string; label: string; url: string }[];
  decoder: string | null;
  samples: { name: string; caption: string; url: string }[];
  bench: string | null;
}

export const app: {
  manifest: Manifest;
  runtime: Runtime | undefined;
  clip: Clip | undefined;
  /** identifies the loaded model in the embedding caches */
  modelKey: string;
  image: { blob: Blob; hash: string; name: string } | undefined;
  run: GenerationRun | undefined;
  paused: boolean;
  resume: (() => void) | undefined;
  busy: boolean;
} = {
  manifest: { models: [], decoder: null, samples: [], bench: null },
  runtime: undefined,
  clip: undefined,
  modelKey: '',
  image: undefined,
  run: undefined,
  paused: false,
  resume: undefined,
  busy: false,
};

export function setBusy(b: boolean): void {
  app.busy = b;
  updateButtons();
}

export function updateButtons(): void {
  const { busy, run } = app;
  const ready = !!app.clip && !busy && document.body.dataset.gpu === 'ready';
  const btn = (id: string) => $<HTMLButtonElement>(id);
  btn('model-load').disabled = busy || !!run || !app.manifest.models.length || document.body.dataset.gpu !== 'ready';
  btn('hf-load').disabled = busy || !!run || document.body.dataset.gpu !== 'ready';
  btn('classify').disabled = !ready || !app.image || document.body.dataset.classify === 'busy';
  btn('gen-start').disabled = !ready || !!run;
  btn('gen-pause').disabled = !run;
  btn('gen-pause').textContent = app.paused ? 'Resume' : 'Pause';
  btn('gen-stop').disabled = !run;
  input('size').disabled = $<HTMLSelectElement>('generator').value === 'decoder';
}
