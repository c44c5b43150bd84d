// Quad matmul with the same fused epilogue as matmul.wgsl, one batch b per z of the dispatch:
//   C[b] = act(alpha·A[b]·B[b] + bias) + residual[b]      A[b]: [M,K], B[b]: [K,N], C[b]: [M,N]
// Built for SwiftShader, which runs 4 invocations as one SIMD group (a quad) and emulates every
// load from storage or workgroup memory lane by lane: no workgroup memory, no barriers. An
// invocation computes TM rows × TN consecutive columns of C in named accumulators. The 4
// invocations of a quad share their rows: for each 4 steps of K, lane q loads A[row][k + q] of
// every row and quadBroadcast hands each value to the other three (a shuffle, where a load would
// cost ~20 instructions), while each lane loads its own columns of B as vec4s where it can. The
// products run accumulator by accumulator (one chain of 4 FMAs each), so an accumulator, not the
// operands, stays in a register.
//
// This file is the skeleton. matmul_quad.ts prepends the tile config (consts TM, TN, U, LANES) and
// activations.wgsl and fills each `//$NAME` line per variant: the bindings, the element loaders
// and epilogue, the per-row and per-column offsets, the U 4-step blocks of the K loop, the
// one-step tail loop for K % 4U, and the stores.
enable subgroups;

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

//$FUNCTIONS

@compute @workgroup_size(LANES, 1, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32,
        @builtin(subgroup_invocation_id) sgid: u32) {
  // this lane's quarter of each 4-step of K: quads are lanes 4i..4i+3 of a subgroup
  let q = sgid & 3u;
  let row0 = wg.y * TM;
  let col0 = (wg.x * LANES + li) * TN;
  let a_base = params.a_offset + wg.z * params.a_stride;
  let b_base = params.b_offset + wg.z * params.b_stride;
  //$OFFSETS
  //$DECLARE
  let k_steps = params.K / (4u * U) * (4u * U);
  var k0 = 0u;
  loop {
    if (k0 >= k_steps) { break; }
    //$STEPS
    k0 += 4u * U;
  }
  for (var k = k0; k < params.K; k++) {
    //$TAIL
  }
  let c_base = params.c_offset + wg.z * params.M * params.N;
  //$STORE
}
