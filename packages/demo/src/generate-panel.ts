// The generation panel: CLIP-guided generation with generate(clip, {...}), iterated step by step
// with pause / resume / stop, drawn on the canvas, and saved as a PNG; then what CLIP reads in the
// result (its top labels among the prompt's neighbours).
import { generate, generators, imageToRgb, type Tensor } from '@clipgpu/clip-runtime';
import { renderBars, renderLossCurve } from './charts.js';
import { $, clearError, input, intOf, setState, showError, yieldToBrowser } from './dom.js';
import { app, updateButtons } from './state.js';

// ---- 4. guided generation --------------------------------------------------------------------------
const canvas = () => $<HTMLCanvasElement>('gen-canvas');

/**
 * Each generator's starting point, chosen so that "a red circle" is plainly one when it finishes
 * on the embedded model (SwiftShader included): the decoder draws shapes it learned, so few steps
 * from the best of 16 random latents; the others paint pixels from noise and need more.
 */
export const GENERATOR_DEFAULTS: Record<
  string,
  { size?: number; steps: number; cutn: number; lr: number; initCandidates?: number; tvWeight?: number }
> = {
  decoder: { steps: 20, cutn: 4, lr: 0.15, initCandidates: 16 },
  fourier: { size: 32, steps: 40, cutn: 8, lr: 0.05 },
  // SIREN's sine layers want a small learning rate (deep-daze uses 1e-5 at 512 px)
  siren: { size: 32, steps: 40, cutn: 8, lr: 0.0003 },
  // free pixels need the total-variation prior to become one blob rather than red noise
  pixels: { size: 32, steps: 40, cutn: 8, lr: 0.05, tvWeight: 0.3 },
};

/** Puts the chosen generator's defaults in the form. */
export function applyGeneratorDefaults(): void {
  const d = GENERATOR_DEFAULTS[$<HTMLSelectElement>('generator').value];
  if (!d) return;
  for (const [id, v] of [
    ['size', d.size],
    ['steps', d.steps],
    ['cutn', d.cutn],
    ['lr', d.lr],
  ] as const)
    if (v !== undefined) input(id).value = String(v);
}

const COLOURS = ['red', 'green', 'blue', 'yellow', 'purple', 'orange', 'white', 'black'];
const SHAPES = ['circle', 'square', 'triangle', 'star', 'ring'];
const article = (w: string) => (/^[aeiou]/.test(w) ? 'an' : 'a');

/**
 * The prompt and the captions next to it: same colour other shapes, same shape other colours
 * (the embedded model's vocabulary); for another kind of prompt, the example prompts.
 */
export function neighbours(prompt: string): string[] {
  const words = prompt.toLowerCase().split(/\W+/);
  const colour = COLOURS.find((c) => words.includes(c));
  const shape = SHAPES.find((s) => words.includes(s));
  const examples = Array.from(document.querySelectorAll<HTMLButtonElement>('#examples button'), (b) => b.dataset.prompt!);
  if (!colour || !shape) return [...new Set([prompt, ...examples])];
  const caption = (c: string, s: string) => `${article(c)} ${c} ${s}`;
  return [...new Set([prompt, ...SHAPES.map((s) => caption(colour, s)), ...COLOURS.map((c) => caption(c, shape))])];
}

/** What CLIP reads in the canvas: zero-shot over the prompt's neighbours, the top five shown. */
async function readBack(prompt: string): Promise<void> {
  if (!app.clip) return;
  const blob = await new Promise<Blob | null>((r) => canvas().toBlob(r, 'image/png'));
  if (!blob) return;
  const scores = await app.clip.classify(blob, neighbours(prompt));
  renderBars($('reads'), scores.slice(0, 5));
  setState('reads', 'done');
}

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
  const prompt = input('prompts').value;
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
      // start from the best of several random latents (a generator factory only)
      initCandidates: GENERATOR_DEFAULTS[kind]?.initCandidates,
      tvWeight: GENERATOR_DEFAULTS[kind]?.tvWeight,
    });
  } catch (e) {
    return showError(e); // options are checked by generate() before anything runs
  }
  const losses: number[] = [];
  const status = $('gen-status');
  const svg = $('loss') as unknown as SVGSVGElement;
  renderLossCurve(svg, losses);
  $('reads').replaceChildren();
  setState('reads', '');
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
    if (losses.length) await readBack(prompt.split('|')[0].split(':')[0].trim());
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
