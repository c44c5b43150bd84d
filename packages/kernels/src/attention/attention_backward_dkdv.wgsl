// Backward step 2: dK and dV. 64 key rows per workgroup, QPT per invocation, looping over the
// query rows i in tiles of Q_TILE staged in workgroup memory (q and dO), recomputing
//   p = exp(scale·q_i·k_j − lse_i),  dv_j += p·dO_i,  ds = p·(dO_i·v_j − dsum_i),  dk_j += scale·ds·q_i.
// Each gradient row is owned by one invocation and summed in a fixed order: deterministic, no atomics.
// Layout, padding, uniforms and the fast path's specialisation as in attention.wgsl; needs
// attention_common.wgsl and the row loaders load_q, load_k, load_v, load_dO prepended (attention.ts).
@group(0) @binding(4) var<storage, read> dO: array<f32>;
@group(0) @binding(5) var<storage, read> lse: array<f32>;
@group(0) @binding(6) var<storage, read> dsum: array<f32>;
@group(0) @binding(7) var<storage, read_write> dk: array<f32>;
@group(0) @binding(8) var<storage, read_write> dv: array<f32>;

// 2 × 4 KiB
var<workgroup> qtile: array<vec4<f32>, 256>;
var<workgroup> dotile: array<vec4<f32>, 256>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let HEAD_DIM = params.head_dim;       // specialised
  let HEAD_DIM4 = (HEAD_DIM + 3u) / 4u; // specialised
  let Q_TILE = params.tile;             // specialised: Q_TILE·HEAD_DIM4 ≤ 256
  let causal = params.causal != 0u;
  let T = params.T;
  let st = params.stride_t;
  let scale = params.scale;
  let bh = wid.y;
  let base = head_base(bh);
  let k0 = wid.x * ROWS;
  let col0 = k0 + lid * QPT; // this invocation's key rows: col0 .. col0 + QPT - 1

  var kr: array<vec4<f32>, 64>; // [r·HEAD_DIM4 + c]
  var vr: array<vec4<f32>, 64>;
  var dkr: array<vec4<f32>, 64>;
  var dvr: array<vec4<f32>, 64>;
  var qc: array<vec4<f32>, 32>; // the current query's q and dO rows, read once from the tiles
  var doc: array<vec4<f32>, 32>;
  var a: array<vec4<f32>, 4>;   // per row: q·k and dO·v partial sums
  var b: array<vec4<f32>, 4>;
  var p: array<f32, 4>;
  var ds: array<f32, 4>;
  for (var r = 0u; r < QPT; r++) {
    let g = base + min(col0 + r, T - 1u) * st;
    for (var c = 0u; c < HEAD_DIM4; c++) {
      kr[r * HEAD_DIM4 + c] = load_k(g + 4u * c, 4u * c, HEAD_DIM);
      vr[r * HEAD_DIM4 + c] = load_v(g + 4u * c, 4u * c, HEAD_DIM);
      dkr[r * HEAD_DIM4 + c] = vec4<f32>(0.0);
      dvr[r * HEAD_DIM4 + c] = vec4<f32>(0.0);
    }
  }

  // causal: queries before the workgroup's first key see none of its keys
  for (var i0 = select(0u, k0, causal); i0 < T; i0 += Q_TILE) {
    let n = min(Q_TILE, T - i0);
    for (var e = lid; e < n * HEAD_DIM4; e += WG) {
      let d = 4u * (e % HEAD_DIM4);
      let g = base + (i0 + e / HEAD_DIM4) * st + d;
      qtile[e] = load_q(g, d, HEAD_DIM);
      dotile[e] = load_dO(g, d, HEAD_DIM);
    }
    workgroupBarrier();
    for (var i = 0u; i < n; i++) {
      let t = i * HEAD_DIM4;
      /* unroll */ for (var r = 0u; r < QPT; r++) { a[r] = vec4<f32>(0.0); b[r] = vec4<f32>(0.0); }
      /* unroll */ for (var c = 0u; c < HEAD_DIM4; c++) {
        qc[c] = qtile[t + c];
        doc[c] = dotile[t + c];
        /* unroll */ for (var r = 0u; r < QPT; r++) {
          a[r] += qc[c] * kr[r * HEAD_DIM4 + c];
          b[r] += doc[c] * vr[r * HEAD_DIM4 + c];
        }
      }
      let qi = bh * T + i0 + i;
      let lse_i = lse[qi];
      let dsum_i = dsum[qi];
      /* unroll */ for (var r = 0u; r < QPT; r++) {
        let live = !causal || i0 + i >= col0 + r;
        p[r] = select(0.0, exp(scale * ((a[r].x + a[r].y) + (a[r].z + a[r].w)) - lse_i), live);
        ds[r] = p[r] * (((b[r].x + b[r].y) + (b[r].z + b[r].w)) - dsum_i);
      }
      /* unroll */ for (var c = 0u; c < HEAD_DIM4; c++) {
        /* unroll */ for (var r = 0u; r < QPT; r++) {
          dvr[r * HEAD_DIM4 + c] += p[r] * doc[c];
          dkr[r * HEAD_DIM4 + c] += ds[r] * qc[c];
        }
      }
    }
    workgroupBarrier();
  }

  for (var r = 0u; r < QPT; r++) {
    let col = col0 + r;
    if (col < T) {
      let g = base + col * st;
      for (var c = 0u; c < HEAD_DIM4; c++) {
        let gk = dkr[r * HEAD_DIM4 + c] * scale;
        let gv = dvr[r * HEAD_DIM4 + c];
        for (var i = 0u; i < 4u; i++) {
          if (4u * c + i < HEAD_DIM) {
            dk[g + 4u * c + i] = gk[i];
            dv[g + 4u * c + i] = gv[i];
          }
        }
      }
    }
  }
}
