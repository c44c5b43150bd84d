// Partial sums of the parameter gradients of layernorm.wgsl over blocks of `block` rows:
// dgamma_part[b, c] = Σ_{r in block b} dy[r, c]·x̂[r, c] and dbeta_part[b, c] = Σ dy[r, c], with
// x̂ = (x − mean)·rstd. One invocation per (block, column) adds its rows in order; the launcher
// sums the blocks with sum_columns. Deterministic: no atomics. Needs column_slot.wgsl prepended.
struct Params { rows: u32, cols: u32, block: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> mean: array<f32>;
@group(0) @binding(3) var<storage, read> rstd: array<f32>;
@group(0) @binding(4) var<storage, read> dy: array<f32>;
@group(0) @binding(5) var<storage, read_write> dgamma_part: array<f32>;
@group(0) @binding(6) var<storage, read_write> dbeta_part: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let cols = params.cols;
  let slot = columnSlot(wid, nwg, lid, params.rows, cols, params.block);
  if (!slot.live) { return; }
  var sg = 0.0;
  var sb = 0.0;
  for (var r = slot.r0; r < slot.r1; r++) {
    let d = dy[r * cols + slot.c];
    sg += d * (x[r * cols + slot.c] - mean[r]) * rstd[r];
    sb += d;
  }
  dgamma_part[slot.b * cols + slot.c] = sg;
  dbeta_part[slot.b * cols + slot.c] = sb;
}
