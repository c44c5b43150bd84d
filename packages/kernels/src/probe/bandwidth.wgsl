// Bandwidth probe: a streaming read-reduce. Invocation g of T sums src[g], src[g + T], … (vec4s,
// so a workgroup's loads are contiguous 16-byte words: coalesced on a GPU) and writes one f32.
// Bytes moved: the whole of src once, plus 4 per invocation; next to none of it is arithmetic.
struct Params { n4: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let threads = nwg.x * 256u;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var j = gid.x;
  // two loads in flight per step
  for (; j + threads < params.n4; j += 2u * threads) {
    acc0 += src[j];
    acc1 += src[j + threads];
  }
  if (j < params.n4) { acc0 += src[j]; }
  let t = acc0 + acc1;
  out[gid.x] = (t.x + t.y) + (t.z + t.w);
}
