// y = softmax(x) over the last axis of x [rows, cols], max-subtracted: y = exp(x − m)/Σ exp(x − m);
// with LOG, the log-softmax y = (x − m) − log Σ exp(x − m) (for cross-entropy). −∞ entries (masks)
// give 0 (softmax) and −∞ (log-softmax). Needs row_reduce.wgsl prepended.
override LOG: bool = false;

struct Params { rows: u32, cols: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(256)
fn main(ids: Ids) {
  let s = rowSlot(ids, params.rows, params.cols);
  var m = F32_LOWEST;
  for (var c = s.lane; c < s.n; c += TPR) { m = max(m, x[s.off + c]); }
  m = segMax(s, m);
  var acc = 0.0;
  for (var c = s.lane; c < s.n; c += TPR) { acc += exp(x[s.off + c] - m); }
  let total = segSum(s, acc);
  if (LOG) {
    let lse = log(total);
    for (var c = s.lane; c < s.n; c += TPR) { y[s.off + c] = (x[s.off + c] - m) - lse; }
  } else {
    let inv = 1.0 / total;
    for (var c = s.lane; c < s.n; c += TPR) { y[s.off + c] = exp(x[s.off + c] - m) * inv; }
  }
}
