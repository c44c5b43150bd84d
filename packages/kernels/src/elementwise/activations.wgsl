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
