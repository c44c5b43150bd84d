// First stage of a full sum: partial[g] = Σ x[i] over the g-th chunk of 4096 elements
// (each invocation adds 16 elements 256 apart in order, then a fixed-order tree over the
// workgroup); the launcher sums the partials with reduce_last_axis. Deterministic.
// Needs row_reduce.wgsl prepended (used with TPR = 256: one segment per workgroup).
const CHUNK: u32 = 4096u;

struct Params { n: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> partial: array<f32>;

@compute @workgroup_size(256)
fn main(ids: Ids) {
  // x as rows of CHUNK elements, one per workgroup (TPR = 256)
  let s = rowSlot(ids, (params.n + CHUNK - 1u) / CHUNK, CHUNK);
  var acc = 0.0;
  for (var k = 0u; k < CHUNK / WG; k++) {
    let i = s.off + k * WG + ids.lid;
    if (i < params.n) { acc += x[i]; }
  }
  let total = segSum(s, acc);
  if (ids.lid == 0u && s.live) { partial[s.row] = total; }
}
