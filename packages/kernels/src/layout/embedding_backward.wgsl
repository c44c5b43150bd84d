// dtable[ids[i], d] += dout[i, d] for i < count. One invocation per column d walks the ids in
// order, so rows hit by repeated ids sum in a fixed order: deterministic without atomics.
// Out-of-range ids (see embedding.wgsl) are skipped.
struct Params { count: u32, dim: u32, vocab: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> ids: array<i32>;
@group(0) @binding(2) var<storage, read> dout: array<f32>;
@group(0) @binding(3) var<storage, read_write> dtable: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let d = gid.x + gid.y * nwg.x * 64u;
  if (d >= params.dim) { return; }
  for (var i = 0u; i < params.count; i++) {
    let id = ids[i];
    if (id < 0 || u32(id) >= params.vocab) { continue; }
    let at = u32(id) * params.dim + d;
    dtable[at] = dtable[at] + dout[i * params.dim + d];
  }
}
