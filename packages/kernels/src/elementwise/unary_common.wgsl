// Shared by unary.wgsl and unary_backward.wgsl (prepended by elementwise.ts, after
// activations.wgsl): the op codes beyond the activations, the uniforms and the input x, so forward
// and gradient agree on them.
override OP: u32 = 0u; // an ACT_ code of activations.wgsl or one of these (UNARY_CODE in elementwise.ts)
const OP_SCALE: u32 = 100u;
const OP_CLAMP: u32 = 101u;
const OP_ROUND: u32 = 102u;

struct Params { n: u32, alpha: f32, beta: f32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
