// dx = dy · f'(x) for the unary ops of unary.wgsl, from the saved input x.
// Needs activations.wgsl and unary_common.wgsl (OP, OP_SCALE, OP_CLAMP, OP_ROUND, params, x) prepended.
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.n) { return; }
  let v = x[i];
  var d: f32;
  if (OP == OP_SCALE) { d = params.alpha; }
  // the gradient passes where the clamp did not bite (PyTorch's convention at the bounds)
  else if (OP == OP_CLAMP) { d = select(0.0, 1.0, v >= params.alpha && v <= params.beta); }
  else if (OP == OP_ROUND) { d = 0.0; }
  else { d = activate_grad(OP, v); }
  dx[i] = dy[i] * d;
}
