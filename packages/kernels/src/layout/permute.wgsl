// y = x permuted. The launcher pads the rank to 8 with leading 1s and passes, for each output axis
// j, its extent (dims) and the stride of the input axis perm[j] (strides): y[i] = x[Σ_j coord_j(i) ·
// strides_j]. One invocation per output element: writes are contiguous, reads strided.
// (axis 0 needs no modulo: i < n bounds its coordinate)
struct Params { dims_lo: vec4<u32>, dims_hi: vec4<u32>, strides_lo: vec4<u32>, strides_hi: vec4<u32>, n: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.n) { return; }
  // Unrolled with constant component indices: SwiftShader runs a loop over dynamically indexed
  // uniform vectors several times slower. Padded leading axes have extent 1 and cost nothing
  // once `rest` reaches 0.
  var rest = i;
  var src = 0u;
  src += (rest % params.dims_hi.w) * params.strides_hi.w; rest /= params.dims_hi.w;
  src += (rest % params.dims_hi.z) * params.strides_hi.z; rest /= params.dims_hi.z;
  src += (rest % params.dims_hi.y) * params.strides_hi.y; rest /= params.dims_hi.y;
  src += (rest % params.dims_hi.x) * params.strides_hi.x; rest /= params.dims_hi.x;
  if (rest != 0u) {
    src += (rest % params.dims_lo.w) * params.strides_lo.w; rest /= params.dims_lo.w;
    src += (rest % params.dims_lo.z) * params.strides_lo.z; rest /= params.dims_lo.z;
    src += (rest % params.dims_lo.y) * params.strides_lo.y; rest /= params.dims_lo.y;
    src += rest * params.strides_lo.x;
  }
  y[i] = x[src];
}
