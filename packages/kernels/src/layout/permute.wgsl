// y = x permuted. The launcher pads the rank to 8 with leading 1s and passes, for each output axis
// j, its extent (dims) and the stride of the input axis perm[j] (strides): y[i] = x[Σ_j coord_j(i) ·
// strides_j]. One invocation per output element: writes are contiguous, reads strided.
struct Params { dims_lo: vec4<u32>, dims_hi: vec4<u32>, strides_lo: vec4<u32>, strides_hi: vec4<u32>, n: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.n) { return; }
  var rest = i;
  var src = 0u;
  // innermost axis first: axes 7..4 live in *_hi, 3..0 in *_lo
  for (var j = 3; j >= 0; j--) {
    let d = params.dims_hi[j];
    src += (rest % d) * params.strides_hi[j];
    rest /= d;
  }
  for (var j = 3; j >= 0; j--) {
    let d = params.dims_lo[j];
    src += (rest % d) * params.strides_lo[j];
    rest /= d;
  }
  y[i] = x[src];
}
