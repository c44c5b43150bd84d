// What decoder-tiny is taught to draw for each latent z ~ N(0, I): z names a shape image outright,
// so that every random z decodes to a plausible picture, not to the blurred average a small VAE
// gives (see the README). The map is smooth, so CLIP's gradient can carry a latent from one shape
// or colour to the next: the shape is a sharp softmax of five coordinates (most draws are one crisp
// shape, a few a blend of two), and each colour channel a steep Normal CDF of one coordinate, so
// colours gather near the cube's corners (red, yellow, blue, white, black, ...) and a small decoder
// learns them as monotone functions of single coordinates, not as an argmax over a palette.
import { SHAPES, shapeMask } from './data/shapes.js';

/** Which latent coordinates name what. */
export const RENDER_LATENT = {
  shape: [0, SHAPES.length],
  foreground: [SHAPES.length, SHAPES.length + 3],
  background: [SHAPES.length + 3, SHAPES.length + 6],
  x: SHAPES.length + 6,
  y: SHAPES.length + 7,
  radius: SHAPES.length + 8,
  rotation: SHAPES.length + 9,
} as const;
export const RENDER_LATENT_DIM = RENDER_LATENT.rotation + 1;

/** Softmax sharpness: the top two of 5 Normal draws are ~0.5 apart, so most draws are one-hot. */
const SHARPNESS = 12;

/** A spec with the shape as weights over SHAPES and colours as RGB in [0, 1]. */
export interface SoftSpec {
  shapeWeights: number[];
  foreground: [number, number, number];
  background: [number, number, number];
  /** centre, as fractions of the side */
  cx: number;
  cy: number;
  /** circumradius, as a fraction of the side */
  radius: number;
  rotation: number;
}

function softmax(logits: number[]): number[] {
  const m = Math.max(...logits);
  const e = logits.map((l) => Math.exp(l - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** Standard Normal CDF (Abramowitz–Stegun 7.1.26; error < 1.5e-7). */
export function normalCdf(x: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(x * x) / 2);
  return 0.5 * (1 + Math.sign(x) * erf);
}

/** Colour steepness: Φ(2z) puts a channel above 0.8 or below 0.2 two times in three. */
const COLOR_GAIN = 2;
/** How far the background's channels lean away from the shape's (so few shapes vanish). */
const CONTRAST = 1.5;

/** The spec a latent names. */
export function latentSpec(z: ArrayLike<number>): SoftSpec {
  if (z.length !== RENDER_LATENT_DIM) throw new Error(`latentSpec: z has ${z.length} values, the render latent has ${RENDER_LATENT_DIM}`);
  const at = (start: number, n: number) => Array.from({ length: n }, (_, i) => z[start + i]!);
  const shapeWeights = softmax(at(RENDER_LATENT.shape[0], SHAPES.length).map((v) => SHARPNESS * v));
  const foreground = at(RENDER_LATENT.foreground[0], 3).map((v) => normalCdf(COLOR_GAIN * v));
  const background = at(RENDER_LATENT.background[0], 3).map((v, c) => normalCdf(COLOR_GAIN * v - CONTRAST * (2 * foreground[c]! - 1)));
  // the ranges of the training rasterizer: centres 0.22–0.78, radii 0.13–0.32, rotation ±0.25
  return {
    shapeWeights,
    foreground: foreground as [number, number, number],
    background: background as [number, number, number],
    cx: 0.22 + 0.56 * normalCdf(z[RENDER_LATENT.x]!),
    cy: 0.22 + 0.56 * normalCdf(z[RENDER_LATENT.y]!),
    radius: 0.13 + 0.19 * normalCdf(z[RENDER_LATENT.radius]!),
    rotation: 0.25 * (2 * normalCdf(z[RENDER_LATENT.rotation]!) - 1),
  };
}

/**
 * Each pixel's coverage by the spec's shape, in [0, 1]: from `supersample`² points, weighted by the
 * shape weights; [size·size], or [n] for some `pixels` (row-major indices).
 */
export function renderCoverage(spec: SoftSpec, size: number, supersample = 4, pixels?: ArrayLike<number>): Float32Array {
  const masks = SHAPES.map((shape, i) => (spec.shapeWeights[i]! > 1e-3 ? shapeMask(shape, spec.rotation) : undefined));
  const n = pixels?.length ?? size * size;
  const out = new Float32Array(n);
  const r = spec.radius * size;
  for (let k = 0; k < n; k++) {
    const p = pixels ? pixels[k]! : k;
    const [y, x] = [Math.floor(p / size), p % size];
    let cover = 0;
    for (let sy = 0; sy < supersample; sy++)
      for (let sx = 0; sx < supersample; sx++) {
        const u = (x + (sx + 0.5) / supersample - spec.cx * size) / r;
        const v = (y + (sy + 0.5) / supersample - spec.cy * size) / r;
        masks.forEach((inside, i) => {
          if (inside?.(u, v)) cover += spec.shapeWeights[i]!;
        });
      }
    out[k] = cover / (supersample * supersample);
  }
  return out;
}

/** The image [3, size, size] (CHW, in [0, 1]) of a soft spec: the foreground blended over the background by coverage. With `pixels`: [3, n]. */
export function renderSoft(spec: SoftSpec, size: number, supersample = 4, pixels?: ArrayLike<number>): Float32Array {
  return blend(spec, renderCoverage(spec, size, supersample, pixels));
}

/** [3, n]: the spec's foreground over its background by each pixel's coverage. */
function blend(spec: SoftSpec, cover: Float32Array): Float32Array {
  const n = cover.length;
  const out = new Float32Array(3 * n);
  for (let k = 0; k < n; k++)
    for (let c = 0; c < 3; c++) out[c * n + k] = cover[k]! * spec.foreground[c]! + (1 - cover[k]!) * spec.background[c]!;
  return out;
}

/**
 * The placement (X, Y, log k, θ) of a pixel decoder's frame (placementFrame()) in which the spec's
 * shape is unrotated, of circumradius 1, around the origin: the rasterizer's
 * u = R(−rotation) · (p − centre) / radius, with x and y in (−1, 1).
 */
export function specPlacement(spec: SoftSpec): [number, number, number, number] {
  return [2 * spec.cx - 1, 2 * spec.cy - 1, Math.log(1 / (2 * spec.radius)), spec.rotation];
}

/**
 * Targets for a batch of latents [n, RENDER_LATENT_DIM] → images [n, 3, size, size] (or
 * [n, 3, 1, pixels.length]), the coverages [n, 1, ·] behind them, and their placements [n, 4]
 * (specPlacement()).
 */
export function renderTargets(
  z: Float32Array,
  n: number,
  size: number,
  pixels?: ArrayLike<number>,
): { images: Float32Array; coverages: Float32Array; placements: Float32Array } {
  const per = pixels?.length ?? size * size;
  const [images, coverages, placements] = [new Float32Array(n * 3 * per), new Float32Array(n * per), new Float32Array(n * 4)];
  for (let i = 0; i < n; i++) {
    const spec = latentSpec(z.subarray(i * RENDER_LATENT_DIM, (i + 1) * RENDER_LATENT_DIM));
    const cover = renderCoverage(spec, size, 4, pixels);
    coverages.set(cover, i * per);
    images.set(blend(spec, cover), i * 3 * per);
    placements.set(specPlacement(spec), 4 * i);
  }
  return { images, coverages, placements };
}
