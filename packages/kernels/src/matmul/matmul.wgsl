// Tiled matmul with a fused epilogue, one batch b per z of the dispatch:
//   C[b] = act(alpha·A[b]·B[b] + bias) + residual[b]      A[b]: [M,K], B[b]: [K,N], C[b]: [M,N]
// A workgroup computes a BM×BN tile of C, invocation (tx, ty) a TM×TN register block of it: rows
// ty·TM + i and the column quads tx + j·WGX (so neighbouring invocations read neighbouring vec4s
// of the B tile and write neighbouring vec4s of C). K is walked TK at a time through workgroup
// memory, both tiles stored k-major as vec4s: As[k][m], Bs[k][n].
//
// This file is the skeleton. matmul_codegen.ts prepends the tile config (consts TM, TN, WGX, WGY, TK, BM,
// BN, BM4, BN4, NT) and activations.wgsl, and fills each `//$NAME` line with code generated per
// variant: the binding types (f32 or vec4 views, f16 pairs for B), the tile loaders (vec4 global
// loads where the contiguous dimension is a multiple of 4, bounds-checked scalars otherwise), the
// register block as named vec4 accumulators, fully unrolled (a dynamically indexed array would live
// in memory and be gathered lane by lane on SwiftShader), and the epilogue.
struct Params {
  M: u32,
  N: u32,
  K: u32,
  // per-batch strides (0 for a broadcast operand) and base offsets, in elements
  a_stride: u32,
  b_stride: u32,
  a_offset: u32,
  b_offset: u32,
  c_offset: u32,
  alpha: f32,
}
@group(0) @binding(0) var<uniform> params: Params;
//$BINDINGS

// activation code of the epilogue (activations.wgsl), 0 = none
override ACT: u32 = 0u;

//$SHARED

//$FUNCTIONS

@compute @workgroup_size(WGX, WGY, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let tx = lid.x;
  let ty = lid.y;
  let row0 = wg.y * BM;
  let col0 = wg.x * BN;
  let a_base = params.a_offset + wg.z * params.a_stride;
  let b_base = params.b_offset + wg.z * params.b_stride;
  //$DECLARE
  for (var k0 = 0u; k0 < params.K; k0 += TK) {
    load_a_tile(li, k0, row0, a_base);
    load_b_tile(li, k0, col0, b_base);
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      //$ACCUMULATE
    }
    workgroupBarrier();
  }
  let c_base = params.c_offset + wg.z * params.M * params.N;
  //$STORE
}
