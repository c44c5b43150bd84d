// dst[o, dst_start + l, k] (+)= src[o, src_start + l, k] for o < outer, l < len, k < inner, with src
// viewed as [outer, src_dim, inner] and dst as [outer, dst_dim, inner]. One invocation per element
// copied; every dst element is written by at most one invocation, so ACCUMULATE is deterministic.
override ACCUMULATE: u32 = 0u;

struct Params { n: u32, len: u32, inner: u32, src_dim: u32, dst_dim: u32, src_start: u32, dst_start: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.n) { return; }
  let k = i % params.inner;
  let t = i / params.inner;
  let l = t % params.len;
  let o = t / params.len;
  let s = (o * params.src_dim + params.src_start + l) * params.inner + k;
  let d = (o * params.dst_dim + params.dst_start + l) * params.inner + k;
  if (ACCUMULATE != 0u) { dst[d] += src[s]; } else { dst[d] = src[s]; }
}
