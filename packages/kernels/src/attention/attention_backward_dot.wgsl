// Backward step 1: dsum[b, h, t] = Σ_d dO[b, h, t, d]·o[b, h, t, d] (FlashAttention-2's D), the
// term every dS = P∘(dP − D) needs. One invocation per row, summed in a fixed order.
struct Params { T: u32, heads: u32, rows: u32, stride_b: u32, stride_h: u32, stride_t: u32, head_dim: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> o: array<f32>;
@group(0) @binding(2) var<storage, read> dO: array<f32>;
@group(0) @binding(3) var<storage, read_write> dsum: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = gid.x + gid.y * nwg.x * 64u; // (b·heads + h)·T + t
  if (r >= params.rows) { return; }
  let bh = r / params.T;
  let g = (bh / params.heads) * params.stride_b + (bh % params.heads) * params.stride_h + (r % params.T) * params.stride_t;
  let hd = params.head_dim;
  var a = vec4<f32>(0.0);
  var d = 0u;
  for (; d + 4u <= hd; d += 4u) {
    a += vec4<f32>(dO[g + d], dO[g + d + 1u], dO[g + d + 2u], dO[g + d + 3u]) * vec4<f32>(o[g + d], o[g + d + 1u], o[g + d + 2u], o[g + d + 3u]);
  }
  for (; d < hd; d++) { a.x += dO[g + d] * o[g + d]; }
  dsum[r] = (a.x + a.y) + (a.z + a.w);
}
