// dtable[ids[i], d] += dout[i, d] for i < count. One invocation per column d walks the ids in
// order, so rows hit by repeated ids sum in a fixed order: deterministic without atomics.
// dtable holds rows [first, first + rows) of the table (a row block; see embedding.wgsl): ids
// elsewhere, and out-of-range ids, are skipped.
struct Params { count: u32, dim: u32, vocab: u32, first: u32, rows: u32 }
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
    let local = u32(id) - params.first; // wraps past rows when id < first
    if (local >= params.rows) { continue; }
    let at = local * params.dim + d;
    dtable[at] = dtable[at] + dout[i * params.dim + d];
  }
}
