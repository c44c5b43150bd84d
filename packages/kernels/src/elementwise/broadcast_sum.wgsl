// db[j] = Σ_o Σ_k full[o, j, k] for full viewed as [outer, nb, inner]: the gradient of an operand
// broadcast by binary.wgsl. One invocation per j sums in a fixed order: deterministic.
struct Params { outer: u32, nb: u32, inner: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> full: array<f32>;
@group(0) @binding(2) var<storage, read_write> db: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = gid.x + gid.y * nwg.x * 64u;
  if (j >= params.nb) { return; }
  var s = 0.0;
  for (var o = 0u; o < params.outer; o++) {
    let base = (o * params.nb + j) * params.inner;
    for (var k = 0u; k < params.inner; k++) { s += full[base + k]; }
  }
  db[j] = s;
}
