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

// Elements d .. d+3 of a row of q (g: index of element d), zeros past hd.
fn load_q(g: u32, d: u32, hd: u32) -> vec4<f32> {
  if (d + 4u <= hd) { return vec4<f32>(q[g], q[g + 1u], q[g + 2u], q[g + 3u]); }
  var x = vec4<f32>(0.0);
  for (var i = 0u; i < 4u; i++) { if (d + i < hd) { x[i] = q[g + i]; } }
  return x;
}

// Elements d .. d+3 of a row of k (g: index of element d), zeros past hd.
fn load_k(g: u32, d: u32, hd: u32) -> vec4<f32> {
  if (d + 4u <= hd) { return vec4<f32>(k[g], k[g + 1u], k[g + 2u], k[g + 3u]); }
  var x = vec4<f32>(0.0);
  for (var i = 0u; i < 4u; i++) { if (d + i < hd) { x[i] = k[g + i]; } }
  return x;
}

// Elements d .. d+3 of a row of v (g: index of element d), zeros past hd.
fn load_v(g: u32, d: u32, hd: u32) -> vec4<f32> {
  if (d + 4u <= hd) { return vec4<f32>(v[g], v[g + 1u], v[g + 2u], v[g + 3u]); }
  var x = vec4<f32>(0.0);
  for (var i = 0u; i < 4u; i++) { if (d + i < hd) { x[i] = v[g + i]; } }
  return x;
}

// o = softmax(scale·q·kᵀ (+ causal mask))·v for every (batch, head), and lse[b, h, t] = the
// log-sum-exp of row t of the scaled scores (backward recomputes the probabilities from it).
// Flash style: 64 query rows per workgroup, QPT rows per invocation; K and V stream through
// workgroup memory KV_TILE rows at a time and every key updates an online softmax (running max m,
// running sum l, rescaled accumulator), so the T×T scores never exist.
//
// Rows are vec4s zero-padded to HEAD_DIM4 = ceil(HEAD_DIM/4). As written every size is a uniform
// and one pipeline serves every head dim. The head-dim-64 fast path (attention.ts, specialise)
// rewrites the `let` sizes marked "specialised" into consts and unrolls the loops marked
// `/* unroll */` (the per-key loops over `c < HEAD_DIM4` and `r < QPT`; the others run once per
// invocation and stay rolled, keeping the code small), so private arrays are indexed by
// constants: SwiftShader compiles any other private or workgroup access into a per-lane gather,
// and QPT rows share each k/v element loaded. The generic program unrolls only `r < QPT` (QPT = 1).
//
// Needs attention_common.wgsl (uniforms, QPT, WG, ROWS, q, k, v, the layout) and the row loaders
// load_q, load_k, load_v prepended (attention.ts).
const NEG_BIG: f32 = -3.0e38;

@group(0) @binding(4) var<storage, read_write> o: array<f32>;
@group(0) @binding(5) var<storage, read_write> lse: array<f32>;

// 2 × 4 KiB (16 key rows at headDim 64): small enough to leave GPUs their occupancy.
var<workgroup> ktile: array<vec4<f32>, 256>;
var<workgroup> vtile: array<vec4<f32>, 256>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  const HEAD_DIM = 64u;       // specialised
  const HEAD_DIM4 = 16u; // specialised
  const KV_TILE = 16u;            // specialised: KV_TILE·HEAD_DIM4 ≤ 256
  let causal = params.causal != 0u;
  let T = params.T;
  let st = params.stride_t;
  let bh = wid.y; // b·heads + h
  let base = head_base(bh);
  let q0 = wid.x * ROWS;
  let row0 = q0 + lid * QPT; // this invocation's rows: row0 .. row0 + QPT - 1

  var qr: array<vec4<f32>, 64>;  // [r·HEAD_DIM4 + c], pre-scaled
  var acc: array<vec4<f32>, 64>; // Σ p·v under the running max
  var m: array<f32, 4>;
  var l: array<f32, 4>;
  var dots: array<vec4<f32>, 4>; // per row: q·k partial sums of the current key
  var p: array<f32, 4>;
  var corr: array<f32, 4>;
  for (var r = 0u; r < QPT; r++) {
    let g = base + min(row0 + r, T - 1u) * st;
    for (var c = 0u; c < HEAD_DIM4; c++) {
      qr[r * HEAD_DIM4 + c] = load_q(g + 4u * c, 4u * c, HEAD_DIM) * params.scale;
      acc[r * HEAD_DIM4 + c] = vec4<f32>(0.0);
    }
    m[r] = NEG_BIG;
    l[r] = 0.0;
  }

  // causal: the workgroup's last query row sees keys up to itself
  let kv_end = select(T, min(T, q0 + ROWS), causal);
  for (var j0 = 0u; j0 < kv_end; j0 += KV_TILE) {
    let n = min(KV_TILE, kv_end - j0);
    for (var e = lid; e < n * HEAD_DIM4; e += WG) {
      let d = 4u * (e % HEAD_DIM4);
      let g = base + (j0 + e / HEAD_DIM4) * st + d;
      ktile[e] = load_k(g, d, HEAD_DIM);
      vtile[e] = load_v(g, d, HEAD_DIM);
    }
    workgroupBarrier();
    for (var j = 0u; j < n; j++) {
      let t = j * HEAD_DIM4;
      { const r = 0u; dots[r] = vec4<f32>(0.0); } { const r = 1u; dots[r] = vec4<f32>(0.0); } { const r = 2u; dots[r] = vec4<f32>(0.0); } { const r = 3u; dots[r] = vec4<f32>(0.0); }
      { const c = 0u;
        let kc = ktile[t + c];
        { const r = 0u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 1u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 2u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 3u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; }
      } { const c = 1u;
        let kc = ktile[t + c];
        { const r = 0u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 1u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 2u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 3u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; }
      } { const c = 2u;
        let kc = ktile[t + c];
        { const r = 0u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 1u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 2u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 3u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; }
      } { const c = 3u;
        let kc = ktile[t + c];
        { const r = 0u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 1u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 2u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 3u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; }
      } { const c = 4u;
        let kc = ktile[t + c];
        { const r = 0u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 1u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 2u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 3u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; }
      } { const c = 5u;
        let kc = ktile[t + c];
        { const r = 0u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 1u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 2u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 3u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; }
      } { const c = 6u;
        let kc = ktile[t + c];
        { const r = 0u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 1u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 2u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 3u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; }
      } { const c = 7u;
        let kc = ktile[t + c];
        { const r = 0u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 1u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 2u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 3u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; }
      } { const c = 8u;
        let kc = ktile[t + c];
        { const r = 0u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 1u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 2u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 3u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; }
      } { const c = 9u;
        let kc = ktile[t + c];
        { const r = 0u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 1u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 2u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 3u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; }
      } { const c = 10u;
        let kc = ktile[t + c];
        { const r = 0u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 1u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 2u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 3u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; }
      } { const c = 11u;
        let kc = ktile[t + c];
        { const r = 0u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 1u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 2u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 3u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; }
      } { const c = 12u;
        let kc = ktile[t + c];
        { const r = 0u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 1u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 2u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 3u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; }
      } { const c = 13u;
        let kc = ktile[t + c];
        { const r = 0u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 1u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 2u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 3u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; }
      } { const c = 14u;
        let kc = ktile[t + c];
        { const r = 0u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 1u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 2u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 3u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; }
      } { const c = 15u;
        let kc = ktile[t + c];
        { const r = 0u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 1u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 2u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; } { const r = 3u; dots[r] += qr[r * HEAD_DIM4 + c] * kc; }
      }
      // online softmax, one key at a time (branch-free: SwiftShader pays dearly for branches)
      { const r = 0u;
        let s = (dots[r].x + dots[r].y) + (dots[r].z + dots[r].w);
        let live = !causal || j0 + j <= row0 + r;
        let mn = select(m[r], max(m[r], s), live);
        corr[r] = exp(m[r] - mn); // exp(NEG_BIG − s) = 0 at the first key
        p[r] = select(0.0, exp(s - mn), live);
        l[r] = l[r] * corr[r] + p[r];
        m[r] = mn;
      } { const r = 1u;
        let s = (dots[r].x + dots[r].y) + (dots[r].z + dots[r].w);
        let live = !causal || j0 + j <= row0 + r;
        let mn = select(m[r], max(m[r], s), live);
        corr[r] = exp(m[r] - mn); // exp(NEG_BIG − s) = 0 at the first key
        p[r] = select(0.0, exp(s - mn), live);
        l[r] = l[r] * corr[r] + p[r];
        m[r] = mn;
      } { const r = 2u;
        let s = (dots[r].x + dots[r].y) + (dots[r].z + dots[r].w);
        let live = !causal || j0 + j <= row0 + r;
        let mn = select(m[r], max(m[r], s), live);
        corr[r] = exp(m[r] - mn); // exp(NEG_BIG − s) = 0 at the first key
        p[r] = select(0.0, exp(s - mn), live);
        l[r] = l[r] * corr[r] + p[r];
        m[r] = mn;
      } { const r = 3u;
        let s = (dots[r].x + dots[r].y) + (dots[r].z + dots[r].w);
        let live = !causal || j0 + j <= row0 + r;
        let mn = select(m[r], max(m[r], s), live);
        corr[r] = exp(m[r] - mn); // exp(NEG_BIG − s) = 0 at the first key
        p[r] = select(0.0, exp(s - mn), live);
        l[r] = l[r] * corr[r] + p[r];
        m[r] = mn;
      }
      { const c = 0u;
        let vc = vtile[t + c];
        { const r = 0u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 1u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 2u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 3u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; }
      } { const c = 1u;
        let vc = vtile[t + c];
        { const r = 0u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 1u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 2u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 3u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; }
      } { const c = 2u;
        let vc = vtile[t + c];
        { const r = 0u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 1u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 2u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 3u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; }
      } { const c = 3u;
        let vc = vtile[t + c];
        { const r = 0u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 1u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 2u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 3u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; }
      } { const c = 4u;
        let vc = vtile[t + c];
        { const r = 0u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 1u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 2u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 3u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; }
      } { const c = 5u;
        let vc = vtile[t + c];
        { const r = 0u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 1u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 2u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 3u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; }
      } { const c = 6u;
        let vc = vtile[t + c];
        { const r = 0u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 1u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 2u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 3u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; }
      } { const c = 7u;
        let vc = vtile[t + c];
        { const r = 0u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 1u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 2u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 3u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; }
      } { const c = 8u;
        let vc = vtile[t + c];
        { const r = 0u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 1u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 2u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 3u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; }
      } { const c = 9u;
        let vc = vtile[t + c];
        { const r = 0u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 1u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 2u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 3u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; }
      } { const c = 10u;
        let vc = vtile[t + c];
        { const r = 0u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 1u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 2u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 3u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; }
      } { const c = 11u;
        let vc = vtile[t + c];
        { const r = 0u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 1u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 2u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 3u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; }
      } { const c = 12u;
        let vc = vtile[t + c];
        { const r = 0u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 1u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 2u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 3u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; }
      } { const c = 13u;
        let vc = vtile[t + c];
        { const r = 0u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 1u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 2u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 3u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; }
      } { const c = 14u;
        let vc = vtile[t + c];
        { const r = 0u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 1u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 2u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 3u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; }
      } { const c = 15u;
        let vc = vtile[t + c];
        { const r = 0u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 1u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 2u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; } { const r = 3u; acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; }
      }
    }
    workgroupBarrier();
  }

  for (var r = 0u; r < QPT; r++) {
    let row = row0 + r;
    if (row < T) {
      let inv = 1.0 / l[r];
      let g = base + row * st;
      for (var c = 0u; c < HEAD_DIM4; c++) {
        let x = acc[r * HEAD_DIM4 + c] * inv;
        for (var i = 0u; i < 4u; i++) {
          if (4u * c + i < HEAD_DIM) { o[g + 4u * c + i] = x[i]; }
        }
      }
      lse[bh * T + row] = m[r] + log(l[r]);
    }
  }
}
