// One separable pass of resize / resizeBackward: a banded matrix applied along one axis.
//   y[bo, c, p, o, q] = Σ_{s < sum_count} Σ_{k < count} w[g, o, k] · x[b, c, p, start[g, o] + k, q]
//   with b = bo·sum_count + s (the source batch item) and g = b·g_step (its coefficient group).
// The horizontal pass has inner = 1, the vertical one outer = 1. x_bstride is the source's batch
// stride, 0 to broadcast one input image over a batch of crops. sum_count > 1 sums a batch of
// crop gradients into one input gradient, in order of b: deterministic.
// coef holds, per (g, o), `stride` words: start, count, then the weights as f32 bits; the launcher
// builds them in float64 on the CPU (resample_coeffs.ts) following PIL or PyTorch.
struct Params {
  n: u32,
  channels: u32,
  outer: u32,
  len_in: u32,
  len_out: u32,
  inner: u32,
  sum_count: u32,
  x_bstride: u32,
  g_step: u32,
  stride: u32,
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> coef: array<u32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.n) { return; }
  let q = i % params.inner;
  var t = i / params.inner;
  let o = t % params.len_out;
  t /= params.len_out;
  let p = t % params.outer;
  t /= params.outer;
  let c = t % params.channels;
  let bo = t / params.channels;
  var acc = 0.0;
  for (var s = 0u; s < params.sum_count; s++) {
    let b = bo * params.sum_count + s;
    let e = (b * params.g_step * params.len_out + o) * params.stride;
    let start = coef[e];
    let count = coef[e + 1u];
    var xi = b * params.x_bstride + ((c * params.outer + p) * params.len_in + start) * params.inner + q;
    for (var k = 0u; k < count; k++) {
      acc += bitcast<f32>(coef[e + 2u + k]) * x[xi];
      xi += params.inner;
    }
  }
  y[i] = acc;
}
