// The generation panel: CLIP-guided generation with generate(clip, {...}), iterated step by step
// with pause / resume / stop, drawn on the canvas, and saved as a PNG.
import { generate, generators, imageToRgb, type Tensor } from '@clipgpu/clip-runtime';
import { renderLossCurve } from './charts.js';
import { $, clearError, input, intOf, setState, showError, yieldToBrowser } from './dom.js';
import { app, updateButtons } from './state.js';

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

export async function runGeneration(): Promise<void> {
  if (!app.clip) return;
  clearError();
  const kind = $<HTMLSelectElement>('generator').value;
  let steps: number;
  let every: number;
  try {
    steps = intOf('steps', 1);
    every = intOf('every', 1);
    const size = intOf('size', 8);
    app.run = generate(app.clip, {
      // "a red circle:1|blurry:-0.5": weighted prompts; negative weights push the image away
      prompts: input('prompts').value,
      // a name ('fourier', 'pixels', 'siren') or a factory; the decoder needs its weights file
      generator:
        kind === 'decoder'
          ? generators.decoder(new URL(app.manifest.decoder!, location.href).href)
          : (kind as 'fourier' | 'pixels' | 'siren'),
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
  app.paused = false;
  setState('gen', 'running');
  updateButtons();
  status.textContent = 'Encoding the prompts and compiling the kernels…';
  try {
    // Each iteration is one optimisation step: render → cutouts → CLIP → loss → backward → Adam.
    // s.image is valid until the next step, so draw it inside the loop.
    for await (const s of app.run) {
      losses.push(s.loss);
      if (s.step === 1 || s.step % every === 0 || s.step === s.steps) await draw(s.image);
      renderLossCurve(svg, losses);
      status.textContent = `step ${s.step}/${s.steps} · loss ${s.loss.toFixed(4)} · ${(s.elapsedMs / s.step).toFixed(0)} ms/step`;
      if (app.paused) {
        setState('gen', 'paused');
        await draw(s.image); // show exactly where it stopped
        await new Promise<void>((r) => (app.resume = r));
        app.resume = undefined;
        if (!app.run.stopped) setState('gen', 'running');
      }
      await yieldToBrowser();
    }
    if (app.run.finalImage) await draw(app.run.finalImage);
    const done = losses.length;
    status.textContent = `${app.run.stopped ? 'Stopped' : 'Done'} after ${done} step${done === 1 ? '' : 's'} · loss ${losses[0]?.toFixed(4)} → ${losses.at(-1)?.toFixed(4)}`;
    setState('gen', app.run.stopped ? 'stopped' : 'done');
  } catch (e) {
    setState('gen', 'error');
    showError(e);
  } finally {
    app.run.dispose(); // frees the final image; prompts, optimizer and generator are freed by the run
    app.run = undefined;
    app.paused = false;
    $('gen-download').hidden = false;
    updateButtons();
  }
}

export function togglePause(): void {
  if (!app.run) return;
  app.paused = !app.paused;
  if (!app.paused) app.resume?.();
  updateButtons();
}

export function stopGeneration(): void {
  app.run?.stop(); // ends after the step in progress
  app.resume?.();
}

export function downloadPng(e: Event): void {
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
