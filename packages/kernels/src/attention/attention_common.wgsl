// Shared by attention.wgsl, attention_backward_dkdv.wgsl and attention_backward_dq.wgsl:
// attention.ts prepends it (and the vec4 row loaders load_<buffer>, written per buffer by
// rowLoader() there, as WGSL cannot pass a storage buffer to a function) to each of them. The
// three kernels take the same uniforms, the same workgroup shape and read q, k, v in the same
// layout; having them once keeps forward and backward in step.
//
// Element (b, h, t, d) of q, k, v, o (and dO, dq, dk, dv) is at b·stride_b + h·stride_h +
// t·stride_t + d: the launcher's strides cover [B, H, T, D] ('bhtd') and a Linear's [B, T, H·D]
// read in place ('bthd').
override QPT: u32 = 1u; // rows per invocation (query rows: forward, dQ; key rows: dK/dV), QPT·HEAD_DIM4 ≤ 64
override WG: u32 = 64u; // invocations per workgroup = ROWS / QPT
const ROWS: u32 = 64u;  // rows per workgroup

struct Params {
  T: u32, heads: u32, stride_b: u32, stride_h: u32, stride_t: u32, scale: f32,
  head_dim: u32, tile: u32, causal: u32, // tile: rows of the other side staged at a time
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;

// Index of element (b, h, 0, 0) for bh = b·heads + h.
fn head_base(bh: u32) -> u32 {
  return (bh / params.heads) * params.stride_b + (bh % params.heads) * params.stride_h;
}
