// The adjoint of im2col as a gather: dx[b, c, iy, ix] = Σ dcols[(b, oh, ow), (c, ky, kx)] over the
// (oh, ky), (ow, kx) with oh·stride − pad + ky = iy and ow·stride − pad + kx = ix. One invocation
// per input pixel visits its ≤ ⌈k/stride⌉² taps in a fixed order: deterministic, no atomics.
struct Params { n: u32, channels: u32, height: u32, width: u32, kernel: u32, stride: u32, pad: u32, out_h: u32, out_w: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dcols: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.n) { return; }
  let k = params.kernel;
  let st = params.stride;
  let ix = i % params.width;
  let iy = (i / params.width) % params.height;
  let c = (i / (params.width * params.height)) % params.channels;
  let b = i / (params.width * params.height * params.channels);
  let ckk = params.channels * k * k;
  let py = iy + params.pad;
  let px = ix + params.pad;
  var acc = 0.0;
  // ky ≡ py (mod stride), ky ≤ py, and oh = (py − ky) / stride < out_h
  for (var ky = py % st; ky < k && ky <= py; ky += st) {
    let oh = (py - ky) / st;
    if (oh >= params.out_h) { continue; }
    for (var kx = px % st; kx < k && kx <= px; kx += st) {
      let ow = (px - kx) / st;
      if (ow >= params.out_w) { continue; }
      acc += dcols[((b * params.out_h + oh) * params.out_w + ow) * ckk + (c * k + ky) * k + kx];
    }
  }
  dx[i] = acc;
}
