// Gradients of out = a ∘ b (binary.wgsl) at full size n: da, and db before the broadcast is summed
// back (the launcher reduces db over the repeats with broadcast_sum.wgsl when nb < n).
// Needs binary_common.wgsl prepended (OP, params, a, b, b_at).
@group(0) @binding(3) var<storage, read> dout: array<f32>;
@group(0) @binding(4) var<storage, read_write> da: array<f32>;
@group(0) @binding(5) var<storage, read_write> db_full: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.n) { return; }
  let u = a[i];
  let v = b_at(i);
  let g = dout[i];
  switch OP {
    case 0u: { da[i] = g; db_full[i] = g; }
    case 1u: { da[i] = g; db_full[i] = -g; }
    case 2u: { da[i] = g * v; db_full[i] = g * u; }
    default: { da[i] = g / v; db_full[i] = -g * u / (v * v); }
  }
}
