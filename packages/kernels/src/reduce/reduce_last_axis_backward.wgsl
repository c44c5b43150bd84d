// dx[r, c] from dout[r] for out[r] = op over x[r, :] (reduce_last_axis.wgsl, same OP codes):
// sum dout; mean dout/cols; l2norm dout·x/out (0 where out = 0); max dout at the first c with
// x[r, c] = out[r], 0 elsewhere; logsumexp dout·exp(x − out) (the softmax).
// Only max needs a row reduction (the first argmax): it runs one segment of TPR invocations per
// row; the other ops are elementwise and run one invocation per element (the launcher dispatches
// accordingly), so a single long row (sum of a whole tensor) still spreads over the GPU.
// Needs row_reduce.wgsl prepended.
override OP: u32 = 0u;

struct Params { rows: u32, cols: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> out: array<f32>;
@group(0) @binding(3) var<storage, read> dout: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(256)
fn main(ids: Ids) {
  let cols = params.cols;
  if (OP == 3u) {
    let s = rowSlot(ids, params.rows, cols);
    let last = min(s.row, params.rows - 1u);
    let o = out[last];
    let g = dout[last];
    var first = 0xffffffffu;
    // Lanes visit their columns in increasing order, so a lane's first hit is its least.
    for (var c = s.lane; c < s.n; c += TPR) {
      if (first == 0xffffffffu && x[s.off + c] == o) { first = c; }
    }
    first = segMinU32(s, first);
    for (var c = s.lane; c < s.n; c += TPR) { dx[s.off + c] = select(0.0, g, c == first); }
    return;
  }
  let i = (ids.wid.x + ids.wid.y * ids.nwg.x) * WG + ids.lid;
  if (i >= params.rows * cols) { return; }
  let r = i / cols;
  let g = dout[r];
  let o = out[r];
  let v = x[i];
  switch OP {
    case 1u: { dx[i] = g / f32(cols); }
    case 2u: { dx[i] = select(0.0, g * v / o, o > 0.0); }
    case 4u: { dx[i] = g * exp(v - o); }
    default: { dx[i] = g; }
  }
}
