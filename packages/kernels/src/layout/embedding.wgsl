// out[i, d] = table[ids[i], d]; ids int32 of `count`, table [vocab, dim].
// A table over the binding limit comes in row blocks: this dispatch binds rows [first, first +
// rows) and writes only the output rows whose id falls there; one dispatch per block fills them all.
// The runtime validates ids on the CPU before upload (validateIds); should an id be out of range
// anyway, its row is written as NaN so the mistake is loud, never a silent read of another row.
// `invalid` is NaN, passed in because WGSL cannot spell a NaN constant.
struct Params { n: u32, dim: u32, vocab: u32, first: u32, rows: u32, invalid: f32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> table: array<f32>;
@group(0) @binding(2) var<storage, read> ids: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.n) { return; }
  let row = i / params.dim;
  let d = i % params.dim;
  let id = ids[row];
  if (id < 0 || u32(id) >= params.vocab) {
    out[i] = params.invalid;
    return;
  }
  let local = u32(id) - params.first; // wraps past rows when id < first
  if (local >= params.rows) { return; }
  out[i] = table[local * params.dim + d];
}
