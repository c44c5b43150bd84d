// out[b, c] = Σ_{r in block b} x[r, c] for x of shape [rows, cols], blocks of `block` rows: the
// gradient of a broadcast over rows (bias, row-vector operands). With block = rows it is the whole
// column sum; the launcher sums large inputs in stages of row blocks. One invocation per (block,
// column) adds its rows in order: deterministic. Needs column_slot.wgsl prepended.
struct Params { rows: u32, cols: u32, block: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let cols = params.cols;
  let slot = columnSlot(wid, nwg, lid, params.rows, cols, params.block);
  if (!slot.live) { return; }
  var s = 0.0;
  for (var r = slot.r0; r < slot.r1; r++) { s += x[r * cols + slot.c]; }
  out[slot.b * cols + slot.c] = s;
}
