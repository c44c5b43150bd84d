// Row-wise reductions shared by layernorm, softmax and reduce (prepended by their launchers), so
// that the row kernels split rows over invocations and sum them the same way. This is the
// workgroup-memory variant, for any adapter; row_reduce_subgroups.wgsl is the same interface
// (Ids, RowSlot, rowSlot, segSum, segMax, segMinU32) on subgroup shuffles.
// A workgroup of 256 invocations handles 256/TPR rows of x [rows, cols], each row by a segment of
// TPR consecutive invocations (TPR a power of two in 1..256, chosen by rowLayout() in rows.ts so
// each invocation strides over ~4 columns; rowSlot says where a segment's row is). A segment reduces in workgroup memory in a fixed order
// (segSum): deterministic and without subgroups, which not every adapter has. Every invocation must
// call segSum/segMax (they hold barriers), also those whose row is past the end.
override TPR: u32 = 256u;
const WG: u32 = 256u;
// Largest finite f32: the identity of max (infinities are not guaranteed in WGSL).
const F32_LOWEST: f32 = -3.4028234663852886e38;

var<workgroup> red: array<f32, 256>;
var<workgroup> redU: array<u32, 256>;

// The entry point's builtins, one struct so that a kernel's `main(ids: Ids)` fits both variants.
struct Ids {
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
}

struct RowSlot {
  row: u32,   // this segment's row (may be ≥ rows: then it only takes part in the barriers)
  lane: u32,  // 0..TPR-1 within the segment
  base: u32,  // first slot of the segment in `red`
  live: bool, // row < rows
  off: u32,   // index of the row's first element in x [rows, cols]: row·cols
  n: u32,     // columns the lanes loop over: cols, 0 past the last row (the loops run zero times)
}

fn rowSlot(ids: Ids, rows: u32, cols: u32) -> RowSlot {
  let lane = ids.lid % TPR;
  let row = (ids.wid.x + ids.wid.y * ids.nwg.x) * (WG / TPR) + ids.lid / TPR;
  let live = row < rows;
  return RowSlot(row, lane, ids.lid - lane, live, row * cols, select(0u, cols, live));
}

// Sum over the segment in two fixed-order levels of at most 16 (3 barriers, where a binary tree
// over 256 lanes takes 10): with G = TPR/16 groups, lane j < G adds slots j, j + G, j + 2G, …
// (consecutive lanes, consecutive banks) into slot j, then every lane adds slots 0..G-1
// (broadcast reads). The same order on every run: deterministic.
const RADIX: u32 = 16u;

fn segSum(s: RowSlot, v: f32) -> f32 {
  let width = min(RADIX, TPR);
  let groups = TPR / width;
  red[s.base + s.lane] = v;
  workgroupBarrier();
  if (s.lane < groups) {
    let at = s.base + s.lane;
    var t = red[at];
    for (var i = 1u; i < width; i++) { t += red[at + i * groups]; }
    red[at] = t;
  }
  workgroupBarrier();
  var total = red[s.base];
  for (var j = 1u; j < groups; j++) { total += red[s.base + j]; }
  workgroupBarrier(); // `red` is reused by the next reduction
  return total;
}

fn segMax(s: RowSlot, v: f32) -> f32 {
  let width = min(RADIX, TPR);
  let groups = TPR / width;
  red[s.base + s.lane] = v;
  workgroupBarrier();
  if (s.lane < groups) {
    let at = s.base + s.lane;
    var t = red[at];
    for (var i = 1u; i < width; i++) { t = max(t, red[at + i * groups]); }
    red[at] = t;
  }
  workgroupBarrier();
  var m = red[s.base];
  for (var j = 1u; j < groups; j++) { m = max(m, red[s.base + j]); }
  workgroupBarrier();
  return m;
}

// The least u32 over the segment (two fixed levels, as segSum).
fn segMinU32(s: RowSlot, v: u32) -> u32 {
  let width = min(RADIX, TPR);
  let groups = TPR / width;
  redU[s.base + s.lane] = v;
  workgroupBarrier();
  if (s.lane < groups) {
    let at = s.base + s.lane;
    var t = redU[at];
    for (var i = 1u; i < width; i++) { t = min(t, redU[at + i * groups]); }
    redU[at] = t;
  }
  workgroupBarrier();
  var m = redU[s.base];
  for (var j = 1u; j < groups; j++) { m = min(m, redU[s.base + j]); }
  workgroupBarrier();
  return m;
}
