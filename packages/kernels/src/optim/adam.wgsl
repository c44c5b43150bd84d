// One Adam / AdamW step in place, PyTorch's formulation (torch.optim.Adam / AdamW, not amsgrad):
//   decoupled (AdamW): p ← p·(1 − lr·wd)          coupled (Adam): g ← g + wd·p
//   m ← β1·m + (1 − β1)·g        v ← β2·v + (1 − β2)·g²
//   p ← p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
// The launcher computes the scalars in float64: bias corrections (step_size, inv_sqrt_bc2), decay,
// and 1 − β (in f32, 1 − 0.999f would be off by 1.3e-5 relative: β2 = 0.999 is not exact).
struct Params {
  n: u32,
  beta1: f32,
  beta2: f32,
  one_minus_beta1: f32,
  one_minus_beta2: f32,
  eps: f32,
  weight_decay: f32,
  decay: f32,          // 1 − lr·wd when decoupled, else 1
  step_size: f32,      // lr / (1 − β1^t)
  inv_sqrt_bc2: f32,   // 1 / √(1 − β2^t)
  decoupled: u32,
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> param: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.n) { return; }
  var p = param[i];
  var g = grad[i];
  if (params.decoupled != 0u) { p = p * params.decay; } else { g = g + params.weight_decay * p; }
  let mi = params.beta1 * m[i] + params.one_minus_beta1 * g;
  let vi = params.beta2 * v[i] + params.one_minus_beta2 * g * g;
  m[i] = mi;
  v[i] = vi;
  param[i] = p - params.step_size * mi / (sqrt(vi) * params.inv_sqrt_bc2 + params.eps);
}
