// y = f(x) elementwise, f chosen by the ACT override (codes in activations.wgsl), plus the two
// affine ops that need parameters: SCALE (y = alpha·x + beta) and CLAMP (y = clamp(x, alpha, beta)),
// and ROUND (half away from zero, as PIL rounds 8-bit results; no gradient).
// Needs activations.wgsl and unary_common.wgsl (OP, OP_SCALE, OP_CLAMP, OP_ROUND, params, x) prepended.
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.n) { return; }
  let v = x[i];
  if (OP == OP_SCALE) { y[i] = params.alpha * v + params.beta; }
  else if (OP == OP_CLAMP) { y[i] = clamp(v, params.alpha, params.beta); }
  else if (OP == OP_ROUND) { y[i] = sign(v) * floor(abs(v) + 0.5); }
  else { y[i] = activate(OP, v); }
}
