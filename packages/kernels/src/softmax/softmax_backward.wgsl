// dx of softmax.wgsl from its saved output y [rows, cols] and dy, per row:
// softmax dx = y∘(dy − Σ dy∘y); with LOG (y = log-softmax) dx = dy − exp(y)·Σ dy.
// Needs row_reduce.wgsl prepended.
override LOG: bool = false;

struct Params { rows: u32, cols: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(256)
fn main(ids: Ids) {
  let s = rowSlot(ids, params.rows, params.cols);
  var acc = 0.0;
  for (var c = s.lane; c < s.n; c += TPR) {
    if (LOG) { acc += dy[s.off + c]; } else { acc += dy[s.off + c] * y[s.off + c]; }
  }
  let total = segSum(s, acc);
  for (var c = s.lane; c < s.n; c += TPR) {
    let v = y[s.off + c];
    let g = dy[s.off + c];
    if (LOG) { dx[s.off + c] = g - exp(v) * total; } else { dx[s.off + c] = v * (g - total); }
  }
}
