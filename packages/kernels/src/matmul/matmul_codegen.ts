// Code generation shared by the matmul kernels, and the tiled kernel's (the quad kernel's is in
// matmul_quad.ts): matmul.wgsl and matmul_quad.wgsl are skeletons whose `//$NAME` lines are filled
// per variant and tile config.
// Generated rather than written out because each variant differs in binding types (f32 or vec4
// views, f16 pairs for B), in its loaders and in its epilogue, and because the register blocks are
// unrolled into named values (a dynamically indexed array would live in memory and be gathered
// lane by lane on SwiftShader).
import activations from '../elementwise/activations.wgsl';
import { KernelError } from '../program.js';
import type { TiledConfig } from './matmul_configs.js';
import skeleton from './matmul.wgsl';

export interface Variant {
  f16: boolean;
  transA: boolean;
  transB: boolean;
  /** vec4 views: A / B along their contiguous dimension, C (and bias, residual, preActivation) along N */
  vecA: boolean;
  vecB: boolean;
  vecC: boolean;
  bias: boolean;
  residual: 'none' | 'separate' | 'inplace';
  pre: boolean;
  /** products in f16 (shader-f16), summed in f32: tiled kernel only */
  f16Compute: boolean;
}

export const XYZW = ['x', 'y', 'z', 'w'];
export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
/** ` + n` as WGSL u32 (nothing for 0), to offset an index by a constant. */
export const plus = (n: number): string => (n ? ` + ${n}u` : '');

/** Fills each `//$NAME` line of a skeleton, keeping its indentation on every line of the fill. */
export function fillSlots(kernel: string, source: string, fill: Record<string, string>): string {
  return source.replace(/^( *)\/\/\$([A-Z]+)$/gm, (_, indent: string, k: string) => {
    if (!(k in fill)) throw new KernelError(kernel, `unknown template slot ${k}`);
    return fill[k]
      .split('\n')
      .map((line) => (line ? indent + line : line))
      .join('\n');
  });
}

/** Binding declarations after the uniforms: a, b, then bias, residual, pre, c as the variant has them. */
export function bindingsSource(v: Variant, aType: string): string {
  const cType = v.vecC ? 'vec4<f32>' : 'f32';
  const bType = v.f16 ? (v.vecB ? 'vec2<u32>' : 'u32') : v.vecB ? 'vec4<f32>' : 'f32';
  const decls = [`var<storage, read> a: array<${aType}>;`, `var<storage, read> b: array<${bType}>;`];
  if (v.bias) decls.push(`var<storage, read> bias: array<${cType}>;`);
  if (v.residual === 'separate') decls.push(`var<storage, read> residual: array<${cType}>;`);
  if (v.pre) decls.push(`var<storage, read_write> pre: array<${cType}>;`);
  decls.push(`var<storage, read_write> c: array<${cType}>;`);
  return decls.map((d, i) => `@group(0) @binding(${i + 1}) ${d}`).join('\n');
}

/**
 * The epilogue, `store4(rowbase, col, acc)`: columns col..col+3 of the row starting at index
 * rowbase of C get act(alpha·acc + bias) (+ residual), and `pre` the value before the activation.
 */
export function epilogueSource(v: Variant): string {
  const res = v.residual === 'separate' ? 'residual' : 'c';
  // the optional steps of z = act(alpha·acc + bias) + residual, as lines (absent ones dropped)
  const steps = (bias: string, act: string) =>
    [
      v.bias && `z += ${bias};`,
      v.pre && 'pre[i] = z;',
      `if (ACT != 0u) { ${act} }`,
      v.residual !== 'none' && `z += ${res}[i];`,
      'c[i] = z;',
    ]
      .filter(Boolean)
      .join('\n  ');
  if (v.vecC) {
    const act = 'z = vec4<f32>(activate(ACT, z.x), activate(ACT, z.y), activate(ACT, z.z), activate(ACT, z.w));';
    return `fn store4(rowbase: u32, col: u32, acc: vec4<f32>) {
  if (col >= params.N) { return; }
  let i = (rowbase + col) / 4u;
  var z = params.alpha * acc;
  ${steps('bias[col / 4u]', act)}
}`;
  }
  const stores = range(4).map((q) => `  if (col + ${q}u < params.N) { store1(rowbase + col + ${q}u, col + ${q}u, acc.${XYZW[q]}); }`);
  return `fn store1(i: u32, col: u32, acc: f32) {
  var z = params.alpha * acc;
  ${steps('bias[col]', 'z = activate(ACT, z);')}
}

fn store4(rowbase: u32, col: u32, acc: vec4<f32>) {
${stores.join('\n')}
}`;
}

// ---- the tiled kernel --------------------------------------------------------------------------

/**
 * Element loaders of operand `x` ('a' or 'b') and its tile loader, `load_x_tile(li, k0, p0, base)`:
 * the tile's 4(k)×4(p) units go to consecutive invocations along the operand's contiguous
 * dimension (coalesced reads), and are stored k-major in workgroup memory.
 */
function tileLoaderSource(x: 'a' | 'b', v: Variant, c: TiledConfig): string {
  const isA = x === 'a';
  const P = isA ? 'params.M' : 'params.N';
  // contiguous along k: A [M,K] or B [N,K]
  const alongK = isA ? !v.transA : v.transB;
  const idx = alongK ? 'p * params.K + k' : `k * ${P} + p`;
  const vec = isA ? v.vecA : v.vecB;
  const f16 = !isA && v.f16;
  const inb = `k < params.K && p < ${P}`;
  let at: string;
  if (!vec && !f16)
    at = `fn ${x}_at(base: u32, k: u32, p: u32) -> f32 {
  return select(0.0, ${x}[base + ${idx}], ${inb});
}`;
  else if (!vec)
    at = `fn ${x}_at(base: u32, k: u32, p: u32) -> f32 {
  let e = base + ${idx};
  let w = unpack2x16float(${x}[e >> 1u]);
  return select(0.0, select(w.x, w.y, (e & 1u) != 0u), ${inb});
}`;
  else if (!f16)
    at = `fn ${x}_at4(base: u32, k: u32, p: u32) -> vec4<f32> {
  return select(vec4<f32>(), ${x}[(base + ${idx}) / 4u], ${inb});
}`;
  else
    at = `fn ${x}_at4(base: u32, k: u32, p: u32) -> vec4<f32> {
  let w = ${x}[(base + ${idx}) / 4u];
  return select(vec4<f32>(), vec4<f32>(unpack2x16float(w.x), unpack2x16float(w.y)), ${inb});
}`;
  const kq = c.tk / 4;
  const units = kq * ((isA ? c.wgy * c.tm : c.wgx * c.tn) / 4);
  const unit = alongK
    ? [`let kq = u % ${kq}u;`, `let pq = u / ${kq}u;`]
    : [`let pq = u % ${isA ? 'BM4' : 'BN4'};`, `let kq = u / ${isA ? 'BM4' : 'BN4'};`];
  const put = (i: number, val: string) => `put_${x}(4u * kq${plus(i)}, pq, ${val});`;
  const gather = (at4: (r: number) => string) => `vec4<f32>(${range(4).map(at4).join(', ')})`;
  let body: string[];
  if (vec && !alongK) body = range(4).map((i) => put(i, `${x}_at4(base, k${plus(i)}, p)`));
  else if (vec)
    body = [
      ...range(4).map((r) => `let w${r} = ${x}_at4(base, k, p${plus(r)});`),
      ...range(4).map((i) =>
        put(
          i,
          gather((r) => `w${r}.${XYZW[i]}`),
        ),
      ),
    ];
  else
    body = range(4).map((i) =>
      put(
        i,
        gather((r) => `${x}_at(base, k${plus(i)}, p${plus(r)})`),
      ),
    );
  return `${at}

fn load_${x}_tile(li: u32, k0: u32, p0: u32, base: u32) {
  for (var u = li; u < ${units}u; u += NT) {
    ${unit.join('\n    ')}
    let k = k0 + 4u * kq;
    let p = p0 + 4u * pq;
    ${body.join('\n    ')}
  }
}`;
}

// The workgroup tiles, stored k-major as vec4s (of f16 when the products are f16), and
// put_a/put_b(k, pq, v): store p-quad pq of row k.
const shared = (t: string) => `var<workgroup> As: array<vec4<${t}>, TK * BM4>;
var<workgroup> Bs: array<vec4<${t}>, TK * BN4>;
fn put_a(k: u32, pq: u32, v: vec4<f32>) { As[k * BM4 + pq] = vec4<${t}>(v); }
fn put_b(k: u32, pq: u32, v: vec4<f32>) { Bs[k * BN4 + pq] = vec4<${t}>(v); }`;

/** The WGSL of the tiled kernel for one variant and config. */
export function tiledSource(v: Variant, c: TiledConfig): string {
  const tn4 = c.tn / 4;
  const acc = (i: number, j: number) => `acc_${i}_${j}`;
  const each = (f: (i: number, j: number) => string) => range(c.tm).flatMap((i) => range(tn4).map((j) => f(i, j)));
  const accumulate = [
    'let ao = kk * BM4 + ty * (TM / 4u);',
    'let bo = kk * BN4 + tx;',
    ...range(c.tm / 4).map((i) => `let a${i} = As[ao${plus(i)}];`),
    ...range(tn4).map((j) => `let b${j} = Bs[bo${plus(j * c.wgx)}];`),
    ...each((i, j) => {
      const product = `a${i >> 2}.${XYZW[i & 3]} * b${j}`;
      return `${acc(i, j)} += ${v.f16Compute ? `vec4<f32>(${product})` : product};`;
    }),
  ];
  // one store4 call site in a loop: unrolled, every call would inline the epilogue again
  const store = `var res: array<vec4<f32>, ${c.tm * tn4}>;
${each((i, j) => `res[${i * tn4 + j}] = ${acc(i, j)};`).join('\n')}
for (var i = 0u; i < TM; i++) {
  let row = row0 + ty * TM + i;
  if (row >= params.M) { break; }
  for (var j = 0u; j < ${tn4}u; j++) {
    store4(c_base + row * params.N, col0 + 4u * (tx + j * WGX), res[i * ${tn4}u + j]);
  }
}`;
  const header = `const TM = ${c.tm}u;
const TN = ${c.tn}u;
const WGX = ${c.wgx}u;
const WGY = ${c.wgy}u;
const TK = ${c.tk}u;
const BM = ${c.wgy * c.tm}u;
const BN = ${c.wgx * c.tn}u;
const BM4 = ${(c.wgy * c.tm) / 4}u;
const BN4 = ${(c.wgx * c.tn) / 4}u;
const NT = ${c.wgx * c.wgy}u;`;
  const body = fillSlots('matmul', skeleton, {
    BINDINGS: bindingsSource(v, v.vecA ? 'vec4<f32>' : 'f32'),
    SHARED: shared(v.f16Compute ? 'f16' : 'f32'),
    FUNCTIONS: [tileLoaderSource('a', v, c), tileLoaderSource('b', v, c), epilogueSource(v)].join('\n\n'),
    DECLARE: each((i, j) => `var ${acc(i, j)} = vec4<f32>();`).join('\n'),
    ACCUMULATE: accumulate.join('\n'),
    STORE: store,
  });
  return `${v.f16Compute ? 'enable f16;\n' : ''}${activations}\n${header}\n${body}`;
}
