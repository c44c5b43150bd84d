// out = a ∘ b elementwise with b broadcast: a viewed as [outer, nb, inner] reads b[(i / inner) % nb].
// inner = 1 covers same-shape operands, a row vector over rows (bias) and a scalar; inner > 1 a
// column vector over columns (per-row scales such as 1/‖x‖). Needs binary_common.wgsl prepended
// (OP, params, a, b, b_at).
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.n) { return; }
  let u = a[i];
  let v = b_at(i);
  switch OP {
    case 0u: { out[i] = u + v; }
    case 1u: { out[i] = u - v; }
    case 2u: { out[i] = u * v; }
    default: { out[i] = u / v; }
  }
}
