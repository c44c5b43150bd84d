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
  let HEAD_DIM = params.head_dim;       // specialised
  let HEAD_DIM4 = (HEAD_DIM + 3u) / 4u; // specialised
  let KV_TILE = params.tile;            // specialised: KV_TILE·HEAD_DIM4 ≤ 256
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
      /* unroll */ for (var r = 0u; r < QPT; r++) { dots[r] = vec4<f32>(0.0); }
      /* unroll */ for (var c = 0u; c < HEAD_DIM4; c++) {
        let kc = ktile[t + c];
        /* unroll */ for (var r = 0u; r < QPT; r++) { dots[r] += qr[r * HEAD_DIM4 + c] * kc; }
      }
      // online softmax, one key at a time (branch-free: SwiftShader pays dearly for branches)
      /* unroll */ for (var r = 0u; r < QPT; r++) {
        let s = (dots[r].x + dots[r].y) + (dots[r].z + dots[r].w);
        let live = !causal || j0 + j <= row0 + r;
        let mn = select(m[r], max(m[r], s), live);
        corr[r] = exp(m[r] - mn); // exp(NEG_BIG − s) = 0 at the first key
        p[r] = select(0.0, exp(s - mn), live);
        l[r] = l[r] * corr[r] + p[r];
        m[r] = mn;
      }
      /* unroll */ for (var c = 0u; c < HEAD_DIM4; c++) {
        let vc = vtile[t + c];
        /* unroll */ for (var r = 0u; r < QPT; r++) { acc[r * HEAD_DIM4 + c] = acc[r * HEAD_DIM4 + c] * corr[r] + p[r] * vc; }
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
