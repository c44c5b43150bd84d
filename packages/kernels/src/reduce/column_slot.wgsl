// Shared by sum_columns.wgsl and layernorm_backward_params.wgsl (prepended by sum_columns.ts and
// layernorm.ts): both sum x [rows, cols] down its columns in blocks of `block` rows (columnBlock()
// in rows.ts), one invocation per (block, column), @workgroup_size(64) over 64 consecutive columns,
// workgroups laid out by grid(blocks·ceil(cols/64), 1). Written once, so the layernorm partial sums
// stay laid out as the sum_columns pass that adds them up expects.
struct ColumnSlot {
  b: u32,     // the block
  c: u32,     // the column
  r0: u32,    // the block's rows: r0 .. r1 - 1
  r1: u32,
  live: bool, // c < cols and the block has rows (else the invocation has nothing to do)
}

fn columnSlot(wid: vec3<u32>, nwg: vec3<u32>, lid: u32, rows: u32, cols: u32, blockRows: u32) -> ColumnSlot {
  let colGroups = (cols + 63u) / 64u;
  let g = wid.x + wid.y * nwg.x;
  let b = g / colGroups;
  let c = (g % colGroups) * 64u + lid;
  let r0 = b * blockRows;
  let live = c < cols && r0 < rows;
  return ColumnSlot(b, c, r0, min(r0 + blockRows, rows), live);
}
