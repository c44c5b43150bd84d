// Matmul tile configurations: the two kernel kinds, the candidates an autotuner times, and the
// config a launcher uses when given none (a tuned one for the shape or device, else a built-in
// choice per kind of adapter). The figures behind these choices are in docs/kernels/matmul.md.
import type { Gpu } from '../gpu.js';
import { KernelError } from '../program.js';

/**
 * The portable kernel (matmul.wgsl): a wgx×wgy workgroup computes a (wgy·tm)×(wgx·tn) tile of C,
 * each invocation a tm×tn register block, walking K tk at a time through workgroup memory.
 */
export interface TiledConfig {
  readonly kind?: 'tiled';
  readonly name: string;
  readonly tm: number;
  readonly tn: number;
  readonly wgx: number;
  readonly wgy: number;
  readonly tk: number;
}

/**
 * The quad kernel (matmul_quad.wgsl, needs the `subgroups` feature): no workgroup memory and no
 * barriers. Each invocation computes tm rows × tn consecutive columns of C; the 4 invocations of a
 * quad share their rows, each loading a quarter of A and handing it to the others with
 * quadBroadcast, and K advances 4·u at a time. A workgroup is `lanes` invocations side by side.
 */
export interface QuadConfig {
  readonly kind: 'quad';
  readonly name: string;
  readonly tm: number;
  readonly tn: number;
  readonly u: number;
  readonly lanes: number;
}

export type MatmulConfig = TiledConfig | QuadConfig;

export const isQuad = (c: MatmulConfig): c is QuadConfig => c.kind === 'quad';

/** Rows and columns of C one workgroup computes. */
export function tileOf(c: MatmulConfig): { rows: number; cols: number } {
  return isQuad(c) ? { rows: c.tm, cols: c.lanes * c.tn } : { rows: c.wgy * c.tm, cols: c.wgx * c.tn };
}

export function tiled(tm: number, tn: number, wgx: number, wgy: number, tk: number): TiledConfig {
  return { name: `${tm}x${tn}/${wgx}x${wgy}/k${tk}`, tm, tn, wgx, wgy, tk };
}

export function quad(tm: number, tn: number, u = 2, lanes = 4): QuadConfig {
  return { kind: 'quad', name: `q${tm}x${tn}/u${u}/l${lanes}`, tm, tn, u, lanes };
}

/** Throws unless the config is one the code generators can build. */
export function checkConfig(c: MatmulConfig): void {
  const bad = (why: string) => new KernelError('matmul', `config ${c.name}: ${why}`);
  const sizes = isQuad(c) ? [c.tm, c.tn, c.u, c.lanes] : [c.tm, c.tn, c.wgx, c.wgy, c.tk];
  if (!sizes.every((v) => Number.isInteger(v) && v > 0)) throw bad('sizes must be positive integers');
  if (isQuad(c)) {
    if (c.tn % 4) throw bad('tn must be a multiple of 4');
    if (c.lanes % 4 || c.lanes > 256) throw bad('lanes must be a multiple of 4, at most 256');
    return;
  }
  if (c.tm % 4 || c.tn % 4 || c.tk % 4) throw bad('tm, tn and tk must be multiples of 4');
  if (c.wgx * c.wgy > 256) throw bad('more than 256 invocations per workgroup');
  if (c.tk * (c.wgy * c.tm + c.wgx * c.tn) * 4 > 16384) throw bad('tiles exceed 16 KiB of workgroup memory');
}

/**
 * Quad candidates, for SwiftShader (a CPU driver: a quad is one 4-wide SIMD group, loads of
 * anything but private memory are emulated lane by lane, and each unrolled FMA costs compile
 * time). 26×12 blocks cover CLIP's 50, 77 and 257 token rows with ≤ 4% padding.
 */
export const QUAD_CONFIGS: readonly QuadConfig[] = [quad(26, 12), quad(16, 12), quad(16, 8), quad(8, 8), quad(32, 12)];

/**
 * Tiled candidates: the SwiftShader choices from before the quad kernel first (the default without
 * subgroups, then the fastest and the quickest to compile), then the hardware ones (GPUs).
 */
export const TILED_CONFIGS: readonly TiledConfig[] = [
  tiled(16, 32, 2, 2, 8), // SwiftShader without subgroups
  tiled(32, 32, 2, 2, 16),
  tiled(16, 16, 2, 2, 16), // small products there
  tiled(4, 4, 16, 16, 16), // hardware default: 64×64 tiles, 256 invocations
  tiled(8, 8, 8, 8, 16), // 64×64 tiles, 64 invocations
  tiled(8, 8, 16, 16, 8), // 128×128 tiles
];

/** Every built-in candidate (quad ones need the `subgroups` feature), in a stable order. */
export const MATMUL_CONFIGS: readonly MatmulConfig[] = [...TILED_CONFIGS, ...QUAD_CONFIGS];

/**
 * The space an autotuner searches on this device: every built-in candidate it can run, and around
 * the quad default the other block shapes (16, 26 or 32 rows × 8 or 12 columns), one or two
 * 4-steps of K per loop iteration, 4 or 16 lanes a workgroup.
 */
export function matmulCandidates(gpu: Gpu): MatmulConfig[] {
  if (!hasSubgroups(gpu)) return [...TILED_CONFIGS];
  const search: QuadConfig[] = [];
  for (const tm of [16, 26, 32]) for (const tn of [8, 12]) for (const u of [1, 2]) search.push(quad(tm, tn, u));
  search.push(quad(26, 12, 2, 16), quad(16, 8, 2, 16));
  const names = new Set(search.map((c) => c.name));
  return [...search, ...QUAD_CONFIGS.filter((c) => !names.has(c.name)), ...TILED_CONFIGS];
}

/** Narrow tiles for a few output columns (N ≤ 16, e.g. a convolution's channels) or rows, tiled kind. */
export const NARROW_CONFIGS = { n: tiled(16, 4, 2, 2, 8), m: tiled(4, 16, 2, 2, 8) } as const;

/** Shape of a product, as the launchers and the config registry see it. */
export interface ShapeKey {
  batch?: number;
  M: number;
  N: number;
  K: number;
  transA?: boolean;
  transB?: boolean;
}

/** The registry key of a shape: "BxMxKxN" plus "tA"/"tB" for transposed operands. */
export function matmulShapeKey(s: ShapeKey): string {
  return `${s.batch ?? 1}x${s.M}x${s.K}x${s.N}${s.transA ? 'tA' : ''}${s.transB ? 'tB' : ''}`;
}

// Autotuner hook: configs chosen per device, by shape key or 'default'. Weak keys: a Gpu's
// entries go with it.
const tuned = new WeakMap<Gpu, Map<string, MatmulConfig>>();

/** Makes the launchers use `config` on this gpu for one shape (matmulShapeKey) or by default; undefined removes it. */
export function setMatmulConfigFor(gpu: Gpu, key: string | 'default', config: MatmulConfig | undefined): void {
  let m = tuned.get(gpu);
  if (!m) tuned.set(gpu, (m = new Map()));
  if (config) m.set(key, config);
  else m.delete(key);
}

export const hasSubgroups = (gpu: Gpu): boolean => gpu.adapter.features?.includes('subgroups') ?? false;

const paddedArea = (s: ShapeKey, c: MatmulConfig) => {
  const t = tileOf(c);
  return Math.ceil(s.M / t.rows) * t.rows * Math.ceil(s.N / t.cols) * t.cols;
};

/** The config the launchers use when given none: a tuned one for the shape or device, else per kind of adapter. */
export function defaultMatmulConfig(gpu: Gpu, shape?: ShapeKey): MatmulConfig {
  const m = tuned.get(gpu);
  const t = m && ((shape && m.get(matmulShapeKey(shape))) || m.get('default'));
  if (t && (!isQuad(t) || hasSubgroups(gpu))) return t;
  if (!gpu.adapter.software) return TILED_CONFIGS[3];
  if (shape && shape.N <= 16 && shape.M >= 64) return NARROW_CONFIGS.n;
  if (shape && shape.M <= 16 && shape.N >= 64) return NARROW_CONFIGS.m;
  // quad: 26×12 blocks, 8×8 for small products (attention's per-head ones)
  if (hasSubgroups(gpu)) return shape && shape.M * shape.N <= 64 * 64 ? QUAD_CONFIGS[3] : QUAD_CONFIGS[0];
  const [t16x32, , t16x16] = TILED_CONFIGS;
  if (shape && paddedArea(shape, t16x16) < 0.75 * paddedArea(shape, t16x32)) return t16x16;
  return t16x32;
}
