// Code generation for the matmul kernel: matmul.wgsl is the skeleton, this fills its `//$` slots
// per tile config and variant (see the comment at the top of matmul.wgsl for why it is generated).
import { KernelError, Program } from '../program.js';
import activations from '../elementwise/activations.wgsl';
import skeleton from './matmul.wgsl';

/**
 * A tile configuration: each invocation computes a tm×tn register block, a wgx×wgy workgroup a
 * (wgy·tm)×(wgx·tn) tile of C, walking K tk at a time through workgroup memory.
 */
export interface MatmulConfig {
  readonly name: string;
  readonly tm: number;
  readonly tn: number;
  readonly wgx: number;
  readonly wgy: number;
  readonly tk: number;
}

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
}

const XYZW = ['x', 'y', 'z', 'w'];
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

function checkConfig(c: MatmulConfig): void {
  const bad = (why: string) => new KernelError('matmul', `config ${c.name}: ${why}`);
  if (![c.tm, c.tn, c.wgx, c.wgy, c.tk].every((v) => Number.isInteger(v) && v > 0)) throw bad('sizes must be positive integers');
  if (c.tm % 4 || c.tn % 4 || c.tk % 4) throw bad('tm, tn and tk must be multiples of 4');
  if (c.wgx * c.wgy > 256) throw bad('more than 256 invocations per workgroup');
  if (c.tk * (c.wgy * c.tm + c.wgx * c.tn) * 4 > 16384) throw bad('tiles exceed 16 KiB of workgroup memory');
}

/** Element loaders and the tile loader of operand `x` ('a' or 'b'). */
function operandSource(x: 'a' | 'b', v: Variant, c: MatmulConfig): string {
  const isA = x === 'a';
  const P = isA ? 'params.M' : 'params.N';
  const trans = isA ? v.transA : v.transB;
  // contiguous along k: A [M,K] or B [N,K]
  const alongK = isA ? !trans : trans;
  const idx = alongK ? `p * params.K + k` : `k * ${P} + p`;
  const vec = isA ? v.vecA : v.vecB;
  const f16 = !isA && v.f16;
  const inb = `k < params.K && p < ${P}`;
  let at: string;
  if (!vec && !f16) at = `fn ${x}_at(base: u32, k: u32, p: u32) -> f32 {\n  return select(0.0, ${x}[base + ${idx}], ${inb});\n}`;
  else if (!vec)
    at = `fn ${x}_at(base: u32, k: u32, p: u32) -> f32 {\n  let e = base + ${idx};\n  let w = unpack2x16float(${x}[e >> 1u]);\n  return select(0.0, select(w.x, w.y, (e & 1u) != 0u), ${inb});\n}`;
  else if (!f16)
    at = `fn ${x}_at4(base: u32, k: u32, p: u32) -> vec4<f32> {\n  return select(vec4<f32>(), ${x}[(base + ${idx}) / 4u], ${inb});\n}`;
  else
    at = `fn ${x}_at4(base: u32, k: u32, p: u32) -> vec4<f32> {\n  let w = ${x}[(base + ${idx}) / 4u];\n  return select(vec4<f32>(), vec4<f32>(unpack2x16float(w.x), unpack2x16float(w.y)), ${inb});\n}`;
  const P4 = isA ? 'BM4' : 'BN4';
  const units = (c.tk / 4) * ((isA ? c.wgy * c.tm : c.wgx * c.tn) / 4);
  // a unit is a 4(k)×4(p) block; consecutive invocations take consecutive blocks along the
  // operand's contiguous dimension (coalesced global reads)
  const unit = alongK ? `let kq = u % ${c.tk / 4}u;\n    let pq = u / ${c.tk / 4}u;` : `let pq = u % ${P4};\n    let kq = u / ${P4};`;
  let body: string;
  const off = (i: number) => (i ? ` + ${i}u` : '');
  const put = (i: number, v: string) => `put_${x}(4u * kq${off(i)}, pq, ${v});`;
  if (vec && !alongK)
    body = range(4)
      .map((i) => put(i, `${x}_at4(base, k${off(i)}, p)`))
      .join('\n    ');
  else if (vec)
    body = [
      ...range(4).map((i) => `let w${i} = ${x}_at4(base, k, p${off(i)});`),
      ...range(4).map((i) =>
        put(
          i,
          `vec4<f32>(${range(4)
            .map((r) => `w${r}.${XYZW[i]}`)
            .join(', ')})`,
        ),
      ),
    ].join('\n    ');
  else
    body = range(4)
      .map((i) =>
        put(
          i,
          `vec4<f32>(${range(4)
            .map((r) => `${x}_at(base, k${off(i)}, p${off(r)})`)
            .join(', ')})`,
        ),
      )
      .join('\n    ');
  return `${at}

fn load_${x}_tile(li: u32, k0: u32, p0: u32, base: u32) {
  for (var u = li; u < ${units}u; u += NT) {
    ${unit}
    let k = k0 + 4u * kq;
    let p = p0 + 4u * pq;
    ${body}
  }
}`;
}

/** The epilogue: store4(row start index in C, column, 4 accumulated columns). */
function epilogueSource(v: Variant): string {
  const act = (z: string) => `if (ACT != 0u) { ${z} }`;
  const res = v.residual === 'separate' ? 'residual' : 'c';
  if (v.vecC) {
    return `fn store4(rowbase: u32, col: u32, acc: vec4<f32>) {
  if (col >= params.N) { return; }
  let i = (rowbase + col) / 4u;
  var z = params.alpha * acc;
  ${v.bias ? 'z += bias[col / 4u];' : ''}
  ${v.pre ? 'pre[i] = z;' : ''}
  ${act('z = vec4<f32>(activate(ACT, z.x), activate(ACT, z.y), activate(ACT, z.z), activate(ACT, z.w));')}
  ${v.residual !== 'none' ? `z += ${res}[i];` : ''}
  c[i] = z;
}`;
  }
  return `fn store1(i: u32, col: u32, acc: f32) {
  var z = params.alpha * acc;
  ${v.bias ? 'z += bias[col];' : ''}
  ${v.pre ? 'pre[i] = z;' : ''}
  ${act('z = activate(ACT, z);')}
  ${v.residual !== 'none' ? `z += ${res}[i];` : ''}
  c[i] = z;
}

fn store4(rowbase: u32, col: u32, acc: vec4<f32>) {
${range(4)
  .map((q) => `  if (col + ${q}u < params.N) { store1(rowbase + col + ${q}u, col + ${q}u, acc.${XYZW[q]}); }`)
  .join('\n')}
}`;
}

// The workgroup tiles, stored k-major as vec4s, and put_a/put_b(k, pq, v): store p-quad pq of row k.
const SHARED = `var<workgroup> As: array<vec4<f32>, TK * BM4>;
var<workgroup> Bs: array<vec4<f32>, TK * BN4>;
fn put_a(k: u32, pq: u32, v: vec4<f32>) { As[k * BM4 + pq] = v; }
fn put_b(k: u32, pq: u32, v: vec4<f32>) { Bs[k * BN4 + pq] = v; }`;

export function kernelSource(v: Variant, c: MatmulConfig): string {
  const f32v = (vec: boolean) => (vec ? 'vec4<f32>' : 'f32');
  const bindings: string[] = [
    `var<storage, read> a: array<${f32v(v.vecA)}>;`,
    `var<storage, read> b: array<${v.f16 ? (v.vecB ? 'vec2<u32>' : 'u32') : f32v(v.vecB)}>;`,
  ];
  if (v.bias) bindings.push(`var<storage, read> bias: array<${f32v(v.vecC)}>;`);
  if (v.residual === 'separate') bindings.push(`var<storage, read> residual: array<${f32v(v.vecC)}>;`);
  if (v.pre) bindings.push(`var<storage, read_write> pre: array<${f32v(v.vecC)}>;`);
  bindings.push(`var<storage, read_write> c: array<${f32v(v.vecC)}>;`);
  const tn4 = c.tn / 4;
  const acc = (i: number, j: number) => `acc_${i}_${j}`;
  const declare = range(c.tm).flatMap((i) => range(tn4).map((j) => `var ${acc(i, j)} = vec4<f32>();`));
  const plus = (n: number) => (n ? ` + ${n}u` : '');
  const accumulate = [
    'let ao = kk * BM4 + ty * (TM / 4u);',
    'let bo = kk * BN4 + tx;',
    ...range(c.tm / 4).map((i) => `let a${i} = As[ao${plus(i)}];`),
    ...range(tn4).map((j) => `let b${j} = Bs[bo${plus(j * c.wgx)}];`),
    ...range(c.tm).flatMap((i) => range(tn4).map((j) => `${acc(i, j)} += a${i >> 2}.${XYZW[i & 3]} * b${j};`)),
  ];
  // one store4 call site in a loop: unrolled, every call would inline the epilogue again
  const store = [
    `var res: array<vec4<f32>, ${c.tm * tn4}>;`,
    ...range(c.tm).flatMap((i) => range(tn4).map((j) => `res[${i * tn4 + j}] = ${acc(i, j)};`)),
    `for (var i = 0u; i < TM; i++) {
    let row = row0 + ty * TM + i;
    if (row >= params.M) { break; }
    for (var j = 0u; j < ${tn4}u; j++) { store4(c_base + row * params.N, col0 + 4u * (tx + j * WGX), res[i * ${tn4}u + j]); }
  }`,
  ];
  const header =
    `const TM = ${c.tm}u;\nconst TN = ${c.tn}u;\nconst WGX = ${c.wgx}u;\nconst WGY = ${c.wgy}u;\nconst TK = ${c.tk}u;\n` +
    `const BM = ${c.wgy * c.tm}u;\nconst BN = ${c.wgx * c.tn}u;\nconst BM4 = ${(c.wgy * c.tm) / 4}u;\nconst BN4 = ${(c.wgx * c.tn) / 4}u;\nconst NT = ${c.wgx * c.wgy}u;\n`;
  const fill: Record<string, string> = {
    BINDINGS: bindings.map((b, i) => `@group(0) @binding(${i + 1}) ${b}`).join('\n'),
    SHARED,
    FUNCTIONS: [operandSource('a', v, c), operandSource('b', v, c), epilogueSource(v)].join('\n\n'),
    DECLARE: declare.join('\n  '),
    ACCUMULATE: accumulate.join('\n      '),
    STORE: store.join('\n  '),
  };
  const body = skeleton.replace(/^( *)\/\/\$([A-Z]+)$/gm, (_, indent: string, k: string) => {
    if (!(k in fill)) throw new KernelError('matmul', `unknown template slot ${k}`);
    return indent + fill[k];
  });
  return `${activations}\n${header}\n${body}`;
}

const programs = new Map<string, Program>();
export function programFor(v: Variant, c: MatmulConfig): Program {
  const key = `${c.tm},${c.tn},${c.wgx},${c.wgy},${c.tk}|${JSON.stringify(v)}`;
  let p = programs.get(key);
  if (!p) {
    checkConfig(c);
    programs.set(key, (p = new Program(v.f16 ? 'matmul_f16' : 'matmul', kernelSource(v, c))));
  }
  return p;
}
