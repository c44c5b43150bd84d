// Code generation for the quad kernel (matmul_quad.wgsl, which says how it works): the element
// loaders, per-row and per-column offsets, the K loop's 4-step blocks and its one-step tail, and
// the stores, per variant and QuadConfig.
import activations from '../elementwise/activations.wgsl';
import type { QuadConfig } from './matmul_configs.js';
import { bindingsSource, epilogueSource, fillSlots, plus, range, type Variant, XYZW } from './matmul_codegen.js';
import skeleton from './matmul_quad.wgsl';

/**
 * `b_at(e)`: element e of B as f32 whatever its binding (f32 or f16 pairs, scalar or vector
 * view), for the tail and the scalar path; `b_vec4(i)`: vec4 i of a vector view.
 */
function bLoaders(v: Variant): string {
  const half = `return select(w.x, w.y, (e & 1u) != 0u);`;
  if (!v.f16 && !v.vecB)
    return `fn b_at(e: u32) -> f32 {
  return b[e];
}`;
  if (!v.f16)
    return `fn b_at(e: u32) -> f32 {
  return b[e >> 2u][e & 3u];
}

fn b_vec4(i: u32) -> vec4<f32> {
  return b[i];
}`;
  if (!v.vecB)
    return `fn b_at(e: u32) -> f32 {
  let w = unpack2x16float(b[e >> 1u]);
  ${half}
}`;
  return `fn b_at(e: u32) -> f32 {
  let w = unpack2x16float(b[e >> 2u][(e >> 1u) & 1u]);
  ${half}
}

fn b_vec4(i: u32) -> vec4<f32> {
  let w = b[i];
  return vec4<f32>(unpack2x16float(w.x), unpack2x16float(w.y));
}`;
}

/** Element index of B(k, column j) for the scalar loads (`cb_j`: the column's offset), k a WGSL expression. */
const bElem = (v: Variant, j: number, k: string) => (v.transB ? `cb${j} + ${k}` : `cb${j} + (${k}) * params.N`);

/** How this variant reads B: per-lane offsets, the loads of one 4-step, and B(j, t) for its values. */
function bPlan(v: Variant, c: QuadConfig) {
  const col = (j: number) => `min(col0${plus(j)}, params.N - 1u)`;
  const scalarOffsets = range(c.tn).map((j) => `let cb${j} = b_base + ${col(j)}${v.transB ? ' * params.K' : ''};`);
  if (v.vecB && v.transB)
    // each column a vec4 along K
    return {
      offsets: range(c.tn).map((j) => `let rb${j} = (b_base + ${col(j)} * params.K) / 4u;`),
      step: (u: number) => range(c.tn).map((j) => `let b${j}_${u} = b_vec4(rb${j} + k0 / 4u${plus(u)});`),
      value: (u: number, j: number, t: number) => `b${j}_${u}.${XYZW[t]}`,
      tailOffsets: scalarOffsets,
    };
  if (v.vecB)
    // each 4 columns a vec4 along N, one per step of K
    return {
      offsets: [
        'let n4 = params.N / 4u;',
        ...range(c.tn / 4).map((g) => `let rb${g} = (b_base + min(col0${plus(4 * g)}, params.N - 4u)) / 4u;`),
      ],
      step: (u: number) =>
        range(4).flatMap((t) => range(c.tn / 4).map((g) => `let b${g}_${u}_${t} = b_vec4(rb${g} + (k0${plus(4 * u + t)}) * n4);`)),
      value: (u: number, j: number, t: number) => `b${j >> 2}_${u}_${t}.${XYZW[j & 3]}`,
      tailOffsets: scalarOffsets,
    };
  return {
    offsets: scalarOffsets,
    step: (u: number) =>
      range(c.tn).flatMap((j) => range(4).map((t) => `let b${j}_${u}_${t} = b_at(${bElem(v, j, `k0${plus(4 * u + t)}`)});`)),
    value: (u: number, j: number, t: number) => `b${j}_${u}_${t}`,
    tailOffsets: [],
  };
}

/** The WGSL of the quad kernel for one variant and config. */
export function quadSource(v: Variant, c: QuadConfig): string {
  const b = bPlan(v, c);
  const acc = (i: number, j: number) => `c${i}_${j}`;
  const each = <T>(f: (i: number, j: number) => T) => range(c.tm).flatMap((i) => range(c.tn).map((j) => f(i, j)));
  // A(row i, k) sits at ra_i + k·sak: rows are contiguous in K unless A is stored transposed
  const sak = v.transA ? ' * params.M' : '';
  const offsets = [
    ...range(c.tm).map((i) => `let ra${i} = a_base + min(row0${plus(i)}, params.M - 1u)${v.transA ? '' : ' * params.K'};`),
    ...b.offsets,
  ];
  const step = (u: number) => {
    const lines = [`let ka${u} = (k0${plus(4 * u)} + q)${sak};`, ...b.step(u)];
    for (const i of range(c.tm)) {
      lines.push(`let av${i}_${u} = a[ra${i} + ka${u}];`);
      for (const t of range(4)) lines.push(`let a${i}_${u}_${t} = quadBroadcast(av${i}_${u}, ${t}u);`);
      for (const j of range(c.tn)) {
        const products = range(4).map((t) => ` + a${i}_${u}_${t} * ${b.value(u, j, t)}`);
        lines.push(`${acc(i, j)} = ${acc(i, j)}${products.join('')};`);
      }
    }
    return lines.join('\n');
  };
  const tail = [
    `let ka = k${sak};`,
    ...b.tailOffsets,
    ...range(c.tn).map((j) => `let t${j} = b_at(${bElem(v, j, 'k')});`),
    ...range(c.tm).flatMap((i) => [`let s${i} = a[ra${i} + ka];`, ...range(c.tn).map((j) => `${acc(i, j)} += s${i} * t${j};`)]),
  ];
  // one store4 call site per column quad in a loop over rows: unrolled, every call would inline
  // the epilogue again
  const quads = range(c.tn / 4).map((g) => {
    const at = (t: number) => `res[r${plus(4 * g + t)}]`;
    return `store4(c_base + row * params.N, col0${plus(4 * g)}, vec4<f32>(${range(4).map(at).join(', ')}));`;
  });
  const store = `var res: array<f32, ${c.tm * c.tn}>;
${each((i, j) => `res[${i * c.tn + j}] = ${acc(i, j)};`).join('\n')}
for (var i = 0u; i < TM; i++) {
  let row = row0 + i;
  if (row >= params.M) { break; }
  let r = i * TN;
  ${quads.join('\n  ')}
}`;
  const header = `const TM = ${c.tm}u;
const TN = ${c.tn}u;
const U = ${c.u}u;
const LANES = ${c.lanes}u;`;
  const body = fillSlots('matmul', skeleton, {
    BINDINGS: bindingsSource(v, 'f32'),
    FUNCTIONS: [bLoaders(v), epilogueSource(v)].join('\n\n'),
    OFFSETS: offsets.join('\n'),
    DECLARE: each((i, j) => `var ${acc(i, j)} = 0.0;`).join('\n'),
    STEPS: range(c.u).map(step).join('\n'),
    TAIL: tail.join('\n'),
    STORE: store,
  });
  // `enable` must come first
  const [enable, ...rest] = body.split(/(?<=^enable subgroups;)/m);
  return `${enable}\n${activations}\n${header}\n${rest.join('').replace(/^\n+/, '\n')}`;
}
