// FMA-throughput probe: each invocation runs 8 independent chains of vec4 fma (x = x·a + b), so
// the GPU always has independent work to issue and the loop is bound by its FMA rate, not by
// latency or memory. 64 FLOPs per invocation and iteration (8 chains × 4 lanes × 2). The start
// values depend on the invocation, a and b come from a uniform, and every chain feeds the one
// value written: the compiler can neither fold the loop nor drop a chain.
struct Params { iterations: u32, a: f32, b: f32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  let s = f32(i & 1023u) * 1e-3;
  var x0 = vec4<f32>(s, s + 0.01, s + 0.02, s + 0.03);
  var x1 = x0 + 0.1;
  var x2 = x0 + 0.2;
  var x3 = x0 + 0.3;
  var x4 = x0 + 0.4;
  var x5 = x0 + 0.5;
  var x6 = x0 + 0.6;
  var x7 = x0 + 0.7;
  let a = vec4<f32>(params.a);
  let b = vec4<f32>(params.b);
  for (var k = 0u; k < params.iterations; k++) {
    x0 = fma(x0, a, b);
    x1 = fma(x1, a, b);
    x2 = fma(x2, a, b);
    x3 = fma(x3, a, b);
    x4 = fma(x4, a, b);
    x5 = fma(x5, a, b);
    x6 = fma(x6, a, b);
    x7 = fma(x7, a, b);
  }
  let t = ((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7));
  out[i] = (t.x + t.y) + (t.z + t.w);
}
