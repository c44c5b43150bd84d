// Shared by binary.wgsl and binary_backward.wgsl (prepended by elementwise.ts): the op codes, the
// uniforms and the operands a, b with b's broadcast, so the gradient reads its operands exactly as
// the forward does.
override OP: u32 = 0u; // 0 add, 1 sub, 2 mul, 3 div

struct Params { n: u32, nb: u32, inner: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;

// The element of b that element i of a meets: a viewed as [outer, nb, inner] reads
// b[(i / inner) % nb].
fn b_at(i: u32) -> f32 {
  return b[(i / params.inner) % params.nb];
}
