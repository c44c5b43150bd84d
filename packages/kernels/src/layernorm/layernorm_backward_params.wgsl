// Partial sums of the parameter gradients of layernorm.wgsl over blocks of `block` rows:
// dgamma_part[b, c] = Σ_{r in block b} dy[r, c]·x̂[r, c] and dbeta_part[b, c] = Σ dy[r, c], with
// x̂ = (x − mean)·rstd. One invocation per (block, column) adds its rows in order; the launcher
// sums the blocks with sum_columns. Deterministic: no atomics.
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
  let colGroups = (cols + 63u) / 64u;
  let g = wid.x + wid.y * nwg.x;
  let b = g / colGroups;
  let c = (g % colGroups) * 64u + lid;
  let r0 = b * params.block;
  if (c >= cols || r0 >= params.rows) { return; }
  let r1 = min(r0 + params.block, params.rows);
  var sg = 0.0;
  var sb = 0.0;
  for (var r = r0; r < r1; r++) {
    let d = dy[r * cols + c];
    sg += d * (x[r * cols + c] - mean[r]) * rstd[r];
    sb += d;
  }
  dgamma_part[b * cols + c] = sg;
  dbeta_part[b * cols + c] = sb;
}
