// dx of layernorm.wgsl from the saved mean and rstd: with x̂ = (x − mean)·rstd and g = dy·gamma,
// dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) over each row. Needs row_reduce.wgsl prepended.
struct Params { rows: u32, cols: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> gamma: array<f32>;
@group(0) @binding(3) var<storage, read> mean: array<f32>;
@group(0) @binding(4) var<storage, read> rstd: array<f32>;
@group(0) @binding(5) var<storage, read> dy: array<f32>;
@group(0) @binding(6) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(256)
fn main(ids: Ids) {
  let cols = params.cols;
  let s = rowSlot(ids, params.rows, cols);
  let last = min(s.row, params.rows - 1u);
  let mu = mean[last];
  let r = rstd[last];
  var sg = 0.0;
  var sgx = 0.0;
  for (var c = s.lane; c < s.n; c += TPR) {
    let g = dy[s.off + c] * gamma[c];
    sg += g;
    sgx += g * (x[s.off + c] - mu) * r;
  }
  let mg = segSum(s, sg) / f32(cols);
  let mgx = segSum(s, sgx) / f32(cols);
  for (var c = s.lane; c < s.n; c += TPR) {
    let xhat = (x[s.off + c] - mu) * r;
    dx[s.off + c] = r * (dy[s.off + c] * gamma[c] - mg - xhat * mgx);
  }
}
