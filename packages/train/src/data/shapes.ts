// A procedural dataset of coloured shapes with captions, deterministic from a seed (no files):
import { mulberry32, type Random } from '@clipgpu/clip-runtime/internals';
// five shapes in eight colours, small or large, at one of five positions, on a plain background
// of another colour. A caption that leaves the background unsaid means a plain white or black
// one, as "a red circle" would in clip art: so the prompt "a red circle" asks for red on a neutral
// field, and guided generation has a reason to leave a coloured background behind. This is the
// TRAINING rasterizer: polygons and discs tested at pixel centres (hard edges) or at 3×3
// sub-pixel points (box-filtered edges), with colour and placement jitter. The held-out
// evaluation images come from an independent rasterizer (./shapes-eval.ts: signed distances,
// supersampled coverage).

export const SHAPES = ['circle', 'square', 'triangle', 'star', 'ring'] as const;
export const COLORS = ['red', 'green', 'blue', 'yellow', 'purple', 'orange', 'white', 'black'] as const;
export const SIZES = ['small', 'large'] as const;
export const POSITIONS = ['top left', 'top right', 'bottom left', 'bottom right', 'center'] as const;

export type ShapeName = (typeof SHAPES)[number];
export type ColorName = (typeof COLORS)[number];
export type SizeName = (typeof SIZES)[number];
export type PositionName = (typeof POSITIONS)[number];

/** What one image shows. */
export interface ShapeSpec {
  shape: ShapeName;
  color: ColorName;
  background: ColorName;
  size: SizeName;
  position: PositionName;
}

/** Nominal sRGB of each colour (the training rasterizer jitters around these). */
export const RGB: Record<ColorName, [number, number, number]> = {
  red: [220, 30, 30],
  green: [30, 170, 50],
  blue: [30, 60, 220],
  yellow: [240, 220, 40],
  purple: [140, 40, 170],
  orange: [245, 140, 20],
  white: [245, 245, 245],
  black: [15, 15, 15],
};

/** Every word the captions use (the tiny CLIP's vocabulary is built from these). */
export const WORDS = [
  'a',
  'an',
  'small',
  'large',
  ...COLORS,
  ...SHAPES,
  'on',
  'background',
  'at',
  'the',
  'top',
  'bottom',
  'left',
  'right',
  'in',
  'center',
];

const pick = <T>(xs: readonly T[], r: Random): T => xs[Math.floor(r() * xs.length)]!;
const article = (word: string) => (/^[aeiou]/.test(word) ? 'an' : 'a');

/** The backgrounds a caption may leave unsaid. */
export const NEUTRAL_BACKGROUNDS: readonly ColorName[] = ['white', 'black'];
const isNeutral = (c: ColorName) => NEUTRAL_BACKGROUNDS.includes(c);

/** A random spec (the background never the shape's colour). */
export function randomSpec(r: Random): ShapeSpec {
  const color = pick(COLORS, r);
  let background = pick(COLORS, r);
  while (background === color) background = pick(COLORS, r);
  return { shape: pick(SHAPES, r), color, background, size: pick(SIZES, r), position: pick(POSITIONS, r) };
}

/** The attributes a caption states (shape and colour always; the rest optional). */
export interface CaptionParts {
  shape: ShapeName;
  color: ColorName;
  size?: SizeName;
  position?: PositionName;
  background?: ColorName;
}

/** "a small red circle at the top left on a blue background" (parts left out are not said). */
export function captionOf(p: CaptionParts): string {
  const first = p.size ?? p.color;
  let s = `${article(first)} ${p.size ? `${p.size} ` : ''}${p.color} ${p.shape}`;
  if (p.position) s += p.position === 'center' ? ' in the center' : ` at the ${p.position}`;
  if (p.background) s += ` on ${article(p.background)} ${p.background} background`;
  return s;
}

/**
 * A random caption of a spec from the grammar: each optional attribute said with probability ½, or
 * always when named in `say`; a coloured (not neutral) background is always said.
 */
export function randomCaption(spec: ShapeSpec, r: Random, say?: keyof ShapeSpec): CaptionParts {
  const mustSay = (k: 'size' | 'position' | 'background') => say === k || (k === 'background' && !isNeutral(spec.background));
  const maybe = <K extends 'size' | 'position' | 'background'>(k: K) => (r() < 0.5 || mustSay(k) ? spec[k] : undefined);
  return { shape: spec.shape, color: spec.color, size: maybe('size'), position: maybe('position'), background: maybe('background') };
}

/** Whether a caption is true of an image (an unsaid background means a neutral one). */
export function captionMatches(p: CaptionParts, s: ShapeSpec): boolean {
  const background = p.background ? p.background === s.background : isNeutral(s.background);
  return (
    p.shape === s.shape && p.color === s.color && (!p.size || p.size === s.size) && (!p.position || p.position === s.position) && background
  );
}

/** Centre of a position as fractions of the image side. */
export function positionCenter(p: PositionName): [number, number] {
  switch (p) {
    case 'top left':
      return [0.28, 0.28];
    case 'top right':
      return [0.72, 0.28];
    case 'bottom left':
      return [0.28, 0.72];
    case 'bottom right':
      return [0.72, 0.72];
    default:
      return [0.5, 0.5];
  }
}

/** A star's inner vertices' radius when none is drawn (outer 1.15: a ratio of 0.39). */
const STAR_INNER = 0.45;

/**
 * Polygon vertices of a shape of circumradius 1 around the origin (y down), rotated by `rot`;
 * `starInner`: the radius of a star's inner vertices.
 */
function polygon(shape: ShapeName, rot: number, starInner = STAR_INNER): [number, number][] {
  const pts: [number, number][] = [];
  const at = (radius: number, angle: number) => pts.push([radius * Math.cos(angle + rot), radius * Math.sin(angle + rot)]);
  if (shape === 'square') for (let k = 0; k < 4; k++) at(1.15, Math.PI / 4 + (k * Math.PI) / 2);
  else if (shape === 'triangle') for (let k = 0; k < 3; k++) at(1.1, -Math.PI / 2 + (k * 2 * Math.PI) / 3);
  else if (shape === 'star') for (let k = 0; k < 10; k++) at(k % 2 ? starInner : 1.15, -Math.PI / 2 + (k * Math.PI) / 5);
  return pts;
}

/** Whether (u, v), in units of the circumradius around the shape's centre, lies inside it. */
export function shapeMask(shape: ShapeName, rot: number, starInner = STAR_INNER): (u: number, v: number) => boolean {
  if (shape === 'circle') return (u, v) => Math.hypot(u, v) <= 1;
  if (shape === 'ring')
    return (u, v) => {
      const d = Math.hypot(u, v);
      return d <= 1 && d >= 0.55;
    };
  const pts = polygon(shape, rot, starInner);
  return (u, v) => inPolygon(u, v, pts);
}

/** Even-odd point-in-polygon test. */
function inPolygon(x: number, y: number, pts: [number, number][]): boolean {
  let inside = false;
  for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
    const [xi, yi] = pts[i]!;
    const [xj, yj] = pts[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

const clampByte = (v: number) => Math.max(0, Math.min(255, Math.round(v)));

function jitterColor(c: readonly number[], r: Random, amount: number): number[] {
  return c.map((v) => clampByte(v + (r() * 2 - 1) * amount));
}

/** Draws a spec as RGB bytes [size·size·3], hard-edged or box-filtered (the training rasterizer). */
export function rasterize(spec: ShapeSpec, r: Random, size = 32): Uint8Array {
  const fg = jitterColor(RGB[spec.color], r, 18);
  const bg = jitterColor(RGB[spec.background], r, 18);
  const [fx, fy] = positionCenter(spec.position);
  const radius = size * (spec.size === 'small' ? 0.13 + 0.05 * r() : 0.27 + 0.05 * r());
  const cx = size * fx + (r() * 2 - 1) * size * 0.06;
  const cy = size * fy + (r() * 2 - 1) * size * 0.06;
  const rot = (r() * 2 - 1) * 0.25;
  // stars come thin and fat (inner/outer 0.35–0.52): with one fixed ratio, 0.39, the tiny CLIP
  // called the held-out rasterizer's fatter stars (0.45) circles, squares and triangles
  const inside = shapeMask(spec.shape, rot, spec.shape === 'star' ? 0.4 + 0.2 * r() : STAR_INNER);
  const noise = 6 * r();
  // half the images hard-edged, half box-filtered over n×n sub-pixel samples: at 32 px a small
  // circle and square differ by a few edge pixels, and with hard edges only the tiny CLIP
  // learned them from staircases the (anti-aliased) held-out images do not have
  const n = r() < 0.5 ? 1 : 3;
  const out = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      let cover = 0;
      for (let sy = 0; sy < n; sy++)
        for (let sx = 0; sx < n; sx++) if (inside((x + (sx + 0.5) / n - cx) / radius, (y + (sy + 0.5) / n - cy) / radius)) cover++;
      cover /= n * n;
      const o = 3 * (y * size + x);
      for (let k = 0; k < 3; k++) out[o + k] = clampByte(fg[k]! * cover + bg[k]! * (1 - cover) + (r() * 2 - 1) * noise);
    }
  return out;
}

export interface Sample {
  spec: ShapeSpec;
  caption: CaptionParts;
  text: string;
  /** RGB bytes, size·size·3 */
  rgb: Uint8Array;
}

/** A deterministic batch: sample k of seed s is the same in every run. */
export function trainingBatch(seed: number, n: number, size = 32): Sample[] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, () => {
    const spec = randomSpec(r);
    const caption = randomCaption(spec, r);
    return { spec, caption, text: captionOf(caption), rgb: rasterize(spec, r, size) };
  });
}

/** What a group of contrastiveBatch varies: shape and position most often, since colour alone is learned first. */
export const VARIED = ['shape', 'shape', 'shape', 'position', 'position', 'position', 'size', 'background'] as const;
export type VariedAttribute = (typeof VARIED)[number];

/**
 * A deterministic batch for contrastive training, of groups of `group` images that agree on every
 * attribute but one (which one differs per group, and is said in the captions of the group): hard
 * negatives, so that matching the captions takes more than the colours, which a random batch
 * mostly tells apart. `varied`: the attributes to draw from (repeats weigh; default VARIED).
 */
export function contrastiveBatch(seed: number, n: number, size = 32, group = 4, varied: readonly VariedAttribute[] = VARIED): Sample[] {
  const r = mulberry32(seed);
  const out: Sample[] = [];
  while (out.length < n) {
    const base = randomSpec(r);
    const vary = pick(varied, r);
    const values: readonly string[] =
      vary === 'shape' ? SHAPES : vary === 'position' ? POSITIONS : vary === 'size' ? SIZES : COLORS.filter((c) => c !== base.color);
    const order = [...values];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    order.length = Math.min(order.length, group);
    for (const value of order) {
      if (out.length === n) break;
      const spec = { ...base, [vary]: value } as ShapeSpec;
      // the varied attribute is always said (a group whose captions all left it out would hold
      // identical captions that teach nothing), except a neutral background: "a red circle" beside
      // "a red circle on a purple background" is what teaches that unsaid means neutral
      const caption = randomCaption(spec, r, vary === 'background' ? undefined : vary);
      out.push({ spec, caption, text: captionOf(caption), rgb: rasterize(spec, r, size) });
    }
  }
  return out;
}

/** Templates that say a caption on each background and on none: prompt ensembling (Clip.encodeLabels) for an image whose background is not known. */
export const BACKGROUND_TEMPLATES: readonly string[] = ['{}', ...COLORS.map((c) => `{} on ${article(c)} ${c} background`)];

/** Every colour × shape pair in a fixed order (the 40 zero-shot classes). */
export function colorShapeClasses(): { color: ColorName; shape: ShapeName; text: string }[] {
  return COLORS.flatMap((color) => SHAPES.map((shape) => ({ color, shape, text: captionOf({ color, shape }) })));
}
