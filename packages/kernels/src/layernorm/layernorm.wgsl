// y = (x − mean)·rstd·gamma + beta over the last axis of x [rows, cols], rstd = 1/sqrt(var + eps)
// with the biased variance (as PyTorch); saves mean [rows] and rstd [rows] for the backward.
// Two passes over the row (mean, then Σ(x − mean)²), not E[x²] − E[x]²: exact for rows with a
// large mean. The row is re-read from cache, not from DRAM. Needs row_reduce.wgsl prepended.
struct Params { rows: u32, cols: u32, eps: f32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> gamma: array<f32>;
@group(0) @binding(3) var<storage, read> beta: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<storage, read_write> mean: array<f32>;
@group(0) @binding(6) var<storage, read_write> rstd: array<f32>;

@compute @workgroup_size(256)
fn main(ids: Ids) {
  let cols = params.cols;
  let s = rowSlot(ids, params.rows, cols);
  var acc = 0.0;
  for (var c = s.lane; c < s.n; c += TPR) { acc += x[s.off + c]; }
  let mu = segSum(s, acc) / f32(cols);
  acc = 0.0;
  for (var c = s.lane; c < s.n; c += TPR) {
    let d = x[s.off + c] - mu;
    acc += d * d;
  }
  let r = 1.0 / sqrt(segSum(s, acc) / f32(cols) + params.eps);
  for (var c = s.lane; c < s.n; c += TPR) { y[s.off + c] = (x[s.off + c] - mu) * r * gamma[c] + beta[c]; }
  if (s.live && s.lane == 0u) {
    mean[s.row] = mu;
    rstd[s.row] = r;
  }
}
