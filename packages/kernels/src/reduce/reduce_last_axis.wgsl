// out[r] = op over x[r, :] for x [rows, cols], op by the OP override (codes in reduce.ts):
// 0 sum, 1 mean, 2 l2norm = sqrt(Σ x²), 3 max, 4 logsumexp = m + log Σ exp(x − m) with m the max.
// Needs row_reduce.wgsl prepended.
override OP: u32 = 0u;

struct Params { rows: u32, cols: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(ids: Ids) {
  let cols = params.cols;
  let s = rowSlot(ids, params.rows, cols);
  var m = F32_LOWEST;
  if (OP >= 3u) {
    for (var c = s.lane; c < s.n; c += TPR) { m = max(m, x[s.off + c]); }
    m = segMax(s, m);
  }
  var result = m;
  if (OP != 3u) {
    var acc = 0.0;
    for (var c = s.lane; c < s.n; c += TPR) {
      let v = x[s.off + c];
      switch OP {
        case 2u: { acc += v * v; }
        case 4u: { acc += exp(v - m); }
        default: { acc += v; }
      }
    }
    let total = segSum(s, acc);
    switch OP {
      case 1u: { result = total / f32(cols); }
      case 2u: { result = sqrt(total); }
      case 4u: { result = m + log(total); }
      default: { result = total; }
    }
  }
  if (s.live && s.lane == 0u) { out[s.row] = result; }
}
