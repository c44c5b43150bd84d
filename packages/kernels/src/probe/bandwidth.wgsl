// Bandwidth probe: a streaming read-reduce. Workgroup w sums one contiguous block of src (vec4s),
// its 256 invocations reading neighbouring 16-byte words side by side (coalesced on a GPU; on a
// CPU driver one forward stream per workgroup, which the prefetcher follows), and each invocation
// writes its partial sum. Bytes moved: the whole of src once, plus 4 per invocation; next to none
// of it is arithmetic.
struct Params { n4: u32, per: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let start = wid.x * params.per;
  let end = min(start + params.per, params.n4);
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var j = start + lid;
  // two loads in flight per step
  for (; j + 256u < end; j += 512u) {
    acc0 += src[j];
    acc1 += src[j + 256u];
  }
  if (j < end) { acc0 += src[j]; }
  let t = acc0 + acc1;
  out[gid.x] = (t.x + t.y) + (t.z + t.w);
}
