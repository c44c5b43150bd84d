// cols[(b, oh, ow), (c, ky, kx)] = x[b, c, oh·stride − pad + ky, ow·stride − pad + kx], 0 outside
// the image. x [batch, C, H, W], cols [batch·outH·outW, C·k·k]. One invocation per cols element:
// writes are contiguous.
struct Params { n: u32, channels: u32, height: u32, width: u32, kernel: u32, stride: u32, pad: u32, out_h: u32, out_w: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> cols: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= params.n) { return; }
  let k = params.kernel;
  let ckk = params.channels * k * k;
  let col = i % ckk;
  let row = i / ckk;
  let kx = col % k;
  let ky = (col / k) % k;
  let c = col / (k * k);
  let ow = row % params.out_w;
  let oh = (row / params.out_w) % params.out_h;
  let b = row / (params.out_w * params.out_h);
  let iy = i32(oh * params.stride + ky) - i32(params.pad);
  let ix = i32(ow * params.stride + kx) - i32(params.pad);
  var v = 0.0;
  if (iy >= 0 && iy < i32(params.height) && ix >= 0 && ix < i32(params.width)) {
    v = x[((b * params.channels + c) * params.height + u32(iy)) * params.width + u32(ix)];
  }
  cols[i] = v;
}
