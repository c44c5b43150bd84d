// The held-out rasterizer: an independent code path from the training one (./shapes.ts) for
// evaluation. Shapes are signed-distance functions (Inigo Quilez's circle, box, equilateral
// triangle, 5-point star, annulus); each pixel's colour is the shape's area coverage, estimated
// from 4×4 stratified sub-samples with a smooth 1/4-pixel edge (so edges are anti-aliased where
// training images are hard-edged), with its own colour shades, sizes and placement jitter.
import { COLORS, POSITIONS, SHAPES, SIZES, type ColorName, type ShapeName, type ShapeSpec } from './shapes.js';
import { mulberry32, type Random } from '@clipgpu/clip-runtime/internals';

/** Evaluation shades: close to the training colours but not the same values. */
const EVAL_RGB: Record<ColorName, [number, number, number]> = {
  red: [205, 40, 45],
  green: [45, 160, 70],
  blue: [40, 75, 205],
  yellow: [230, 210, 60],
  purple: [125, 50, 160],
  orange: [235, 125, 35],
  white: [235, 235, 230],
  black: [25, 25, 30],
};

/** Where each position puts the shape's centre, as fractions of the side (its own constants). */
const CENTERS: Record<(typeof POSITIONS)[number], [number, number]> = {
  'top left': [0.27, 0.27],
  'top right': [0.73, 0.27],
  'bottom left': [0.27, 0.73],
  'bottom right': [0.73, 0.73],
  center: [0.5, 0.5],
};

const length = (x: number, y: number) => Math.sqrt(x * x + y * y);

function sdBox(x: number, y: number, b: number): number {
  const dx = Math.abs(x) - b;
  const dy = Math.abs(y) - b;
  return length(Math.max(dx, 0), Math.max(dy, 0)) + Math.min(Math.max(dx, dy), 0);
}

/** Equilateral triangle pointing up (y grows downwards), circumradius ≈ r. */
function sdTriangle(x: number, y: number, r: number): number {
  const k = Math.sqrt(3);
  let px = Math.abs(x) - r * 0.95;
  let py = -y + (r * 0.95) / k;
  if (px + k * py > 0) [px, py] = [(px - k * py) / 2, (-k * px - py) / 2];
  px -= Math.max(-2 * r * 0.95, Math.min(0, px));
  return -length(px, py) * Math.sign(py);
}

/** 5-point star (outer radius r, inner ratio rf), one point up. */
function sdStar(x: number, y: number, r: number, rf: number): number {
  const k1 = [0.809016994375, -0.587785252292];
  const k2 = [-k1[0]!, k1[1]!];
  let px = Math.abs(x);
  let py = y; // SDF is written for y up; our y is down, the star points up: flip
  py = -py;
  let d = 2 * Math.max(k1[0]! * px + k1[1]! * py, 0);
  px -= d * k1[0]!;
  py -= d * k1[1]!;
  d = 2 * Math.max(k2[0]! * px + k2[1]! * py, 0);
  px -= d * k2[0]!;
  py -= d * k2[1]!;
  px = Math.abs(px);
  py -= r;
  const bax = -rf * k1[1]!;
  const bay = rf * k1[0]! - 1;
  const h = Math.max(0, Math.min(r, (px * bax + py * bay) / (bax * bax + bay * bay)));
  return length(px - bax * h, py - bay * h) * Math.sign(py * bax - px * bay);
}

function sdf(shape: ShapeName, x: number, y: number, r: number): number {
  switch (shape) {
    case 'circle':
      return length(x, y) - r;
    case 'square':
      return sdBox(x, y, r * 0.8);
    case 'triangle':
      return sdTriangle(x, y + r * 0.15, r);
    case 'star':
      return sdStar(x, y, r * 1.1, 0.45);
    default:
      return Math.abs(length(x, y) - r * 0.78) - r * 0.22; // ring
  }
}

const byte = (v: number) => Math.max(0, Math.min(255, Math.round(v)));

/** Draws a spec with anti-aliased, supersampled coverage: RGB bytes [size·size·3]. */
export function rasterizeEval(spec: ShapeSpec, r: Random, size = 32): Uint8Array {
  const fg = EVAL_RGB[spec.color].map((v) => byte(v + (r() * 2 - 1) * 8));
  const bg = EVAL_RGB[spec.background].map((v) => byte(v + (r() * 2 - 1) * 8));
  const radius = size * (spec.size === 'small' ? 0.15 + 0.02 * r() : 0.29 + 0.02 * r());
  const [fx, fy] = CENTERS[spec.position];
  const cx = size * fx + (r() * 2 - 1) * size * 0.04;
  const cy = size * fy + (r() * 2 - 1) * size * 0.04;
  const angle = (r() * 2 - 1) * 0.15;
  const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
  const out = new Uint8Array(size * size * 3);
  const N = 4;
  for (let py = 0; py < size; py++)
    for (let px = 0; px < size; px++) {
      let cover = 0;
      for (let sy = 0; sy < N; sy++)
        for (let sx = 0; sx < N; sx++) {
          const dx = px + (sx + 0.5) / N - cx;
          const dy = py + (sy + 0.5) / N - cy;
          const d = sdf(spec.shape, cos * dx + sin * dy, -sin * dx + cos * dy, radius);
          cover += Math.max(0, Math.min(1, 0.5 - d * 2)); // a 1/2-pixel ramp across the edge
        }
      cover /= N * N;
      const o = 3 * (py * size + px);
      for (let k = 0; k < 3; k++) out[o + k] = byte(fg[k]! * cover + bg[k]! * (1 - cover));
    }
  return out;
}

/**
 * A held-out set: every colour × shape (40 classes) in turn, the other attributes drawn from
 * `seed` (its own random stream, unrelated to training batches).
 */
export function evalSet(n: number, seed = 12345, size = 32): { spec: ShapeSpec; rgb: Uint8Array }[] {
  const r = mulberry32(seed ^ 0x5bd1e995);
  const out: { spec: ShapeSpec; rgb: Uint8Array }[] = [];
  for (let i = 0; i < n; i++) {
    const color = COLORS[i % COLORS.length]!;
    const shape = SHAPES[Math.floor(i / COLORS.length) % SHAPES.length]!;
    let background = COLORS[Math.floor(r() * COLORS.length)]!;
    while (background === color) background = COLORS[Math.floor(r() * COLORS.length)]!;
    const spec: ShapeSpec = {
      shape,
      color,
      background,
      size: SIZES[Math.floor(r() * 2)]!,
      position: POSITIONS[Math.floor(r() * POSITIONS.length)]!,
    };
    out.push({ spec, rgb: rasterizeEval(spec, r, size) });
  }
  return out;
}
