// Quad matmul with the same fused epilogue as matmul.wgsl, one batch b per z of the dispatch:
//   C[b] = act(alpha·A[b]·B[b] + bias) + residual[b]      A[b]: [M,K], B[b]: [K,N], C[b]: [M,N]
// Built for SwiftShader, which runs 4 invocations as one SIMD group (a quad) and emulates every
// load from storage or workgroup memory lane by lane: no workgroup memory, no barriers. An
// invocation computes TM rows × TN consecutive columns of C in named accumulators. The 4
// invocations of a quad share their rows: for each 4 steps of K, lane q loads A[row][k + q] of
// every row and quadBroadcast hands each value to the other three (a shuffle, where a load would
// cost ~20 instructions), while each lane loads its own columns of B as vec4s where it can. The
// products run accumulator by accumulator (one chain of 4 FMAs each), so an accumulator, not the
// operands, stays in a register.
//
// This file is the skeleton. matmul_quad.ts prepends the tile config (consts TM, TN, U, LANES) and
// activations.wgsl and fills each `//$NAME` line per variant: the bindings, the element loaders
// and epilogue, the per-row and per-column offsets, the U 4-step blocks of the K loop, the
// one-step tail loop for K % 4U, and the stores.
enable subgroups;
// Scalar activations and their derivatives, shared by the elementwise kernels and the matmul
// epilogue (prepended to their sources). Codes match `Activation` in elementwise.ts.
const ACT_NONE: u32 = 0u;
const ACT_QUICK_GELU: u32 = 1u;
const ACT_GELU: u32 = 2u;
const ACT_SIGMOID: u32 = 3u;
const ACT_TANH: u32 = 4u;
const ACT_SIN: u32 = 5u;
const ACT_RELU: u32 = 6u;
const ACT_EXP: u32 = 7u;
const ACT_LEAKY_RELU: u32 = 8u;
const ACT_ASIN: u32 = 9u;

fn sigmoid_f(x: f32) -> f32 {
  return 1.0 / (1.0 + exp(-x));
}

// WGSL has no erf. A series near 0 and Numerical Recipes' erfc (fractional error < 1.2e-7)
// beyond keep GELU within f32 rounding of the float64 reference.
fn erf_f(x: f32) -> f32 {
  let a = abs(x);
  if (a < 0.5) {
    let t = x * x;
    // Maclaurin series of erf, 7 terms: truncation < 1e-9 for |x| < 0.5
    return x * (1.1283791671 + t * (-0.3761263890 + t * (0.1128379167 + t * (-0.0268661706 +
        t * (0.0052239776 + t * (-0.0008548327 + t * 0.0001205499))))));
  }
  // erfc for |x| ≥ 0.5 (Numerical Recipes erfcc, fractional error < 1.2e-7)
  let z = 1.0 / (1.0 + 0.5 * a);
  let r = z * exp(-a * a - 1.26551223 + z * (1.00002368 + z * (0.37409196 + z * (0.09678418 +
      z * (-0.18628806 + z * (0.27886807 + z * (-1.13520398 + z * (1.48851587 +
      z * (-0.82215223 + z * 0.17087277)))))))));
  return sign(x) * (1.0 - r);
}

// sin/cos to f32 rounding: GPU builtins are allowed 2^-11 absolute error (SwiftShader's reaches
// 2e-4), too coarse for SIREN generators and gradient checks. Cody-Waite reduction by π/2 into
// [-π/4, π/4], then Taylor polynomials (truncation < 2e-9 there).
fn sincos_f(x: f32) -> vec2<f32> {
  let q = round(x * 0.63661977236758134);
  let r = (x - q * 1.5707963705062866) - q * (-4.371139000186243e-8);
  let r2 = r * r;
  let s = r * (1.0 + r2 * (-0.16666666666666666 + r2 * (0.008333333333333333 + r2 * (-0.0001984126984126984 + r2 * 2.7557319223985893e-6))));
  let c = 1.0 + r2 * (-0.5 + r2 * (0.041666666666666664 + r2 * (-0.001388888888888889 + r2 * (2.48015873015873e-5 - r2 * 2.755731922398589e-7))));
  let k = i32(q) & 3;
  switch k {
    case 0: { return vec2<f32>(s, c); }
    case 1: { return vec2<f32>(c, -s); }
    case 2: { return vec2<f32>(-s, -c); }
    default: { return vec2<f32>(-c, s); }
  }
}

// asin on [-1, 1] (clamped): asin(x) = atan2(x, √(1−x²)), whose builtin is accurate where asin's
// is not guaranteed; used by the spherical distance loss of guided generation.
fn asin_f(x: f32) -> f32 {
  let c = clamp(x, -1.0, 1.0);
  return atan2(c, sqrt(max(1.0 - c * c, 0.0)));
}

fn tanh_f(x: f32) -> f32 {
  // tanh() of a large |x| is NaN on some drivers (exp overflow inside)
  return tanh(clamp(x, -15.0, 15.0));
}

fn activate(act: u32, x: f32) -> f32 {
  switch act {
    case 1u: { return x * sigmoid_f(1.702 * x); }
    case 2u: { return 0.5 * x * (1.0 + erf_f(x * 0.70710678118654752)); }
    case 3u: { return sigmoid_f(x); }
    case 4u: { return tanh_f(x); }
    case 5u: { return sincos_f(x).x; }
    case 6u: { return max(x, 0.0); }
    case 7u: { return exp(x); }
    case 8u: { return select(0.2 * x, x, x > 0.0); }
    case 9u: { return asin_f(x); }
    default: { return x; }
  }
}

// d activate(x) / dx, from the activation's input x.
fn activate_grad(act: u32, x: f32) -> f32 {
  switch act {
    case 1u: {
      let s = sigmoid_f(1.702 * x);
      return s + 1.702 * x * s * (1.0 - s);
    }
    case 2u: {
      return 0.5 * (1.0 + erf_f(x * 0.70710678118654752)) + x * exp(-0.5 * x * x) * 0.3989422804014327;
    }
    case 3u: {
      let s = sigmoid_f(x);
      return s * (1.0 - s);
    }
    case 4u: {
      // sech²(x) = 4e/(1+e)² with e = exp(-2|x|): 1 − tanh² cancels catastrophically for large |x|
      let e = exp(-2.0 * abs(x));
      return 4.0 * e / ((1.0 + e) * (1.0 + e));
    }
    case 5u: { return sincos_f(x).y; }
    case 6u: { return select(0.0, 1.0, x > 0.0); }
    case 7u: { return exp(x); }
    case 8u: { return select(0.2, 1.0, x > 0.0); }
    // 1/√(1−x²), finite at the domain's edge (where rounding puts spherical distances)
    case 9u: { return inverseSqrt(max(1.0 - x * x, 1e-12)); }
    default: { return 1.0; }
  }
}

const TM = 4u;
const TN = 4u;
const U = 1u;
const LANES = 4u;

struct Params {
  M: u32,
  N: u32,
  K: u32,
  // per-batch strides (0 for a broadcast operand) and base offsets, in elements
  a_stride: u32,
  b_stride: u32,
  a_offset: u32,
  b_offset: u32,
  c_offset: u32,
  alpha: f32,
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> bias: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> c: array<vec4<f32>>;

// activation code of the epilogue (activations.wgsl), 0 = none
override ACT: u32 = 0u;

fn b_at(e: u32) -> f32 {
  return b[e >> 2u][e & 3u];
}

fn b_vec4(i: u32) -> vec4<f32> {
  return b[i];
}

fn store4(rowbase: u32, col: u32, acc: vec4<f32>) {
  if (col >= params.N) { return; }
  let i = (rowbase + col) / 4u;
  var z = params.alpha * acc;
  z += bias[col / 4u];
  if (ACT != 0u) { z = vec4<f32>(activate(ACT, z.x), activate(ACT, z.y), activate(ACT, z.z), activate(ACT, z.w)); }
  c[i] = z;
}

@compute @workgroup_size(LANES, 1, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32,
        @builtin(subgroup_invocation_id) sgid: u32) {
  // this lane's quarter of each 4-step of K: quads are lanes 4i..4i+3 of a subgroup
  let q = sgid & 3u;
  let row0 = wg.y * TM;
  let col0 = (wg.x * LANES + li) * TN;
  let a_base = params.a_offset + wg.z * params.a_stride;
  let b_base = params.b_offset + wg.z * params.b_stride;
  let ra0 = a_base + min(row0, params.M - 1u) * params.K;
  let ra1 = a_base + min(row0 + 1u, params.M - 1u) * params.K;
  let ra2 = a_base + min(row0 + 2u, params.M - 1u) * params.K;
  let ra3 = a_base + min(row0 + 3u, params.M - 1u) * params.K;
  let rb0 = (b_base + min(col0, params.N - 1u) * params.K) / 4u;
  let rb1 = (b_base + min(col0 + 1u, params.N - 1u) * params.K) / 4u;
  let rb2 = (b_base + min(col0 + 2u, params.N - 1u) * params.K) / 4u;
  let rb3 = (b_base + min(col0 + 3u, params.N - 1u) * params.K) / 4u;
  var c0_0 = 0.0;
  var c0_1 = 0.0;
  var c0_2 = 0.0;
  var c0_3 = 0.0;
  var c1_0 = 0.0;
  var c1_1 = 0.0;
  var c1_2 = 0.0;
  var c1_3 = 0.0;
  var c2_0 = 0.0;
  var c2_1 = 0.0;
  var c2_2 = 0.0;
  var c2_3 = 0.0;
  var c3_0 = 0.0;
  var c3_1 = 0.0;
  var c3_2 = 0.0;
  var c3_3 = 0.0;
  let k_steps = params.K / (4u * U) * (4u * U);
  var k0 = 0u;
  loop {
    if (k0 >= k_steps) { break; }
    let ka0 = (k0 + q);
    let b0_0 = b_vec4(rb0 + k0 / 4u);
    let b1_0 = b_vec4(rb1 + k0 / 4u);
    let b2_0 = b_vec4(rb2 + k0 / 4u);
    let b3_0 = b_vec4(rb3 + k0 / 4u);
    let av0_0 = a[ra0 + ka0];
    let a0_0_0 = quadBroadcast(av0_0, 0u);
    let a0_0_1 = quadBroadcast(av0_0, 1u);
    let a0_0_2 = quadBroadcast(av0_0, 2u);
    let a0_0_3 = quadBroadcast(av0_0, 3u);
    c0_0 = c0_0 + a0_0_0 * b0_0.x + a0_0_1 * b0_0.y + a0_0_2 * b0_0.z + a0_0_3 * b0_0.w;
    c0_1 = c0_1 + a0_0_0 * b1_0.x + a0_0_1 * b1_0.y + a0_0_2 * b1_0.z + a0_0_3 * b1_0.w;
    c0_2 = c0_2 + a0_0_0 * b2_0.x + a0_0_1 * b2_0.y + a0_0_2 * b2_0.z + a0_0_3 * b2_0.w;
    c0_3 = c0_3 + a0_0_0 * b3_0.x + a0_0_1 * b3_0.y + a0_0_2 * b3_0.z + a0_0_3 * b3_0.w;
    let av1_0 = a[ra1 + ka0];
    let a1_0_0 = quadBroadcast(av1_0, 0u);
    let a1_0_1 = quadBroadcast(av1_0, 1u);
    let a1_0_2 = quadBroadcast(av1_0, 2u);
    let a1_0_3 = quadBroadcast(av1_0, 3u);
    c1_0 = c1_0 + a1_0_0 * b0_0.x + a1_0_1 * b0_0.y + a1_0_2 * b0_0.z + a1_0_3 * b0_0.w;
    c1_1 = c1_1 + a1_0_0 * b1_0.x + a1_0_1 * b1_0.y + a1_0_2 * b1_0.z + a1_0_3 * b1_0.w;
    c1_2 = c1_2 + a1_0_0 * b2_0.x + a1_0_1 * b2_0.y + a1_0_2 * b2_0.z + a1_0_3 * b2_0.w;
    c1_3 = c1_3 + a1_0_0 * b3_0.x + a1_0_1 * b3_0.y + a1_0_2 * b3_0.z + a1_0_3 * b3_0.w;
    let av2_0 = a[ra2 + ka0];
    let a2_0_0 = quadBroadcast(av2_0, 0u);
    let a2_0_1 = quadBroadcast(av2_0, 1u);
    let a2_0_2 = quadBroadcast(av2_0, 2u);
    let a2_0_3 = quadBroadcast(av2_0, 3u);
    c2_0 = c2_0 + a2_0_0 * b0_0.x + a2_0_1 * b0_0.y + a2_0_2 * b0_0.z + a2_0_3 * b0_0.w;
    c2_1 = c2_1 + a2_0_0 * b1_0.x + a2_0_1 * b1_0.y + a2_0_2 * b1_0.z + a2_0_3 * b1_0.w;
    c2_2 = c2_2 + a2_0_0 * b2_0.x + a2_0_1 * b2_0.y + a2_0_2 * b2_0.z + a2_0_3 * b2_0.w;
    c2_3 = c2_3 + a2_0_0 * b3_0.x + a2_0_1 * b3_0.y + a2_0_2 * b3_0.z + a2_0_3 * b3_0.w;
    let av3_0 = a[ra3 + ka0];
    let a3_0_0 = quadBroadcast(av3_0, 0u);
    let a3_0_1 = quadBroadcast(av3_0, 1u);
    let a3_0_2 = quadBroadcast(av3_0, 2u);
    let a3_0_3 = quadBroadcast(av3_0, 3u);
    c3_0 = c3_0 + a3_0_0 * b0_0.x + a3_0_1 * b0_0.y + a3_0_2 * b0_0.z + a3_0_3 * b0_0.w;
    c3_1 = c3_1 + a3_0_0 * b1_0.x + a3_0_1 * b1_0.y + a3_0_2 * b1_0.z + a3_0_3 * b1_0.w;
    c3_2 = c3_2 + a3_0_0 * b2_0.x + a3_0_1 * b2_0.y + a3_0_2 * b2_0.z + a3_0_3 * b2_0.w;
    c3_3 = c3_3 + a3_0_0 * b3_0.x + a3_0_1 * b3_0.y + a3_0_2 * b3_0.z + a3_0_3 * b3_0.w;
    k0 += 4u * U;
  }
  for (var k = k0; k < params.K; k++) {
    let ka = k;
    let cb0 = b_base + min(col0, params.N - 1u) * params.K;
    let cb1 = b_base + min(col0 + 1u, params.N - 1u) * params.K;
    let cb2 = b_base + min(col0 + 2u, params.N - 1u) * params.K;
    let cb3 = b_base + min(col0 + 3u, params.N - 1u) * params.K;
    let t0 = b_at(cb0 + k);
    let t1 = b_at(cb1 + k);
    let t2 = b_at(cb2 + k);
    let t3 = b_at(cb3 + k);
    let s0 = a[ra0 + ka];
    c0_0 += s0 * t0;
    c0_1 += s0 * t1;
    c0_2 += s0 * t2;
    c0_3 += s0 * t3;
    let s1 = a[ra1 + ka];
    c1_0 += s1 * t0;
    c1_1 += s1 * t1;
    c1_2 += s1 * t2;
    c1_3 += s1 * t3;
    let s2 = a[ra2 + ka];
    c2_0 += s2 * t0;
    c2_1 += s2 * t1;
    c2_2 += s2 * t2;
    c2_3 += s2 * t3;
    let s3 = a[ra3 + ka];
    c3_0 += s3 * t0;
    c3_1 += s3 * t1;
    c3_2 += s3 * t2;
    c3_3 += s3 * t3;
  }
  let c_base = params.c_offset + wg.z * params.M * params.N;
  var res: array<f32, 16>;
  res[0] = c0_0;
  res[1] = c0_1;
  res[2] = c0_2;
  res[3] = c0_3;
  res[4] = c1_0;
  res[5] = c1_1;
  res[6] = c1_2;
  res[7] = c1_3;
  res[8] = c2_0;
  res[9] = c2_1;
  res[10] = c2_2;
  res[11] = c2_3;
  res[12] = c3_0;
  res[13] = c3_1;
  res[14] = c3_2;
  res[15] = c3_3;
  for (var i = 0u; i < TM; i++) {
    let row = row0 + i;
    if (row >= params.M) { break; }
    let r = i * TN;
    store4(c_base + row * params.N, col0, vec4<f32>(res[r], res[r + 1u], res[r + 2u], res[r + 3u]));
  }
}
