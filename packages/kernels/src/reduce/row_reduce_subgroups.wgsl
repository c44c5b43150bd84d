// The subgroup variant of row_reduce.wgsl (same interface: Ids, RowSlot, rowSlot, segSum, segMax,
// segMinU32), for adapters with the `subgroups` feature and the `subgroup_id` builtin. A row's
// segment of TPR invocations lies inside one subgroup (the launcher keeps TPR at most the
// adapter's smallest subgroup size), and reduces by butterfly: log2(TPR) exchanges with
// quadSwapX/quadSwapY (one shuffle on SwiftShader) and subgroupShuffleXor beyond a quad. No
// workgroup memory and no barriers: on SwiftShader a workgroup then runs its subgroups one after
// the other instead of switching coroutines at every barrier. Every lane ends with the same,
// bitwise identical total (a + b == b + a), and the order is the same on every run.
enable subgroups;

override TPR: u32 = 4u;
const WG: u32 = 256u;
const F32_LOWEST: f32 = -3.4028234663852886e38;

struct Ids {
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
  @builtin(subgroup_id) sid: u32,
  @builtin(subgroup_invocation_id) sgl: u32,
  @builtin(subgroup_size) sgsize: u32,
}

struct RowSlot {
  row: u32,   // this segment's row (may be ≥ rows: then it only takes part in the exchanges)
  lane: u32,  // 0..TPR-1 within the segment
  base: u32,  // unused here (row_reduce.wgsl: first slot of the segment in workgroup memory)
  live: bool, // row < rows
  off: u32,   // index of the row's first element in x [rows, cols]: row·cols
  n: u32,     // columns the lanes loop over: cols, 0 past the last row (the loops run zero times)
}

fn rowSlot(ids: Ids, rows: u32, cols: u32) -> RowSlot {
  let lane = ids.sgl % TPR;
  // segments numbered subgroup by subgroup: WG/TPR of them per workgroup
  let seg = ids.sid * (ids.sgsize / TPR) + ids.sgl / TPR;
  let row = (ids.wid.x + ids.wid.y * ids.nwg.x) * (WG / TPR) + seg;
  let live = row < rows;
  return RowSlot(row, lane, 0u, live, row * cols, select(0u, cols, live));
}

fn segSum(s: RowSlot, v: f32) -> f32 {
  var t = v;
  if (TPR > 1u) { t += quadSwapX(t); }
  if (TPR > 2u) { t += quadSwapY(t); }
  for (var m = 4u; m < TPR; m <<= 1u) { t += subgroupShuffleXor(t, m); }
  return t;
}

fn segMax(s: RowSlot, v: f32) -> f32 {
  var t = v;
  if (TPR > 1u) { t = max(t, quadSwapX(t)); }
  if (TPR > 2u) { t = max(t, quadSwapY(t)); }
  for (var m = 4u; m < TPR; m <<= 1u) { t = max(t, subgroupShuffleXor(t, m)); }
  return t;
}

fn segMinU32(s: RowSlot, v: u32) -> u32 {
  var t = v;
  if (TPR > 1u) { t = min(t, quadSwapX(t)); }
  if (TPR > 2u) { t = min(t, quadSwapY(t)); }
  for (var m = 4u; m < TPR; m <<= 1u) { t = min(t, subgroupShuffleXor(t, m)); }
  return t;
}
