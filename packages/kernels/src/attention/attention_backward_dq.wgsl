// Backward step 3: dQ. 64 query rows per workgroup, QPT per invocation, looping over the keys in
// tiles of KV_TILE staged in workgroup memory (k and v), recomputing
//   p = exp(scale·q_i·k_j − lse_i),  ds = p·(dO_i·v_j − dsum_i),  dq_i += scale·ds·k_j.
// Each row is owned by one invocation and summed in a fixed order: deterministic, no atomics.
// Layout, padding, uniforms and the fast path's specialisation as in attention.wgsl; needs
// attention_common.wgsl and the row loaders load_q, load_k, load_v, load_dO prepended (attention.ts).
@group(0) @binding(4) var<storage, read> dO: array<f32>;
@group(0) @binding(5) var<storage, read> lse: array<f32>;
@group(0) @binding(6) var<storage, read> dsum: array<f32>;
@group(0) @binding(7) var<storage, read_write> dq: array<f32>;

// 2 × 4 KiB
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
  let scale = params.scale;
  let bh = wid.y;
  let base = head_base(bh);
  let q0 = wid.x * ROWS;
  let row0 = q0 + lid * QPT; // this invocation's rows: row0 .. row0 + QPT - 1

  var qr: array<vec4<f32>, 64>; // [r·HEAD_DIM4 + c], pre-scaled
  var dor: array<vec4<f32>, 64>;
  var dqr: array<vec4<f32>, 64>;
  var lse_r: array<f32, 4>;
  var dsum_r: array<f32, 4>;
  var kc: array<vec4<f32>, 32>; // the current key's row, read once from the tile
  var a: array<vec4<f32>, 4>;   // per row: q·k and dO·v partial sums
  var b: array<vec4<f32>, 4>;
  var ds: array<f32, 4>;
  for (var r = 0u; r < QPT; r++) {
    let row = min(row0 + r, T - 1u);
    let g = base + row * st;
    for (var c = 0u; c < HEAD_DIM4; c++) {
      qr[r * HEAD_DIM4 + c] = load_q(g + 4u * c, 4u * c, HEAD_DIM) * scale;
      dor[r * HEAD_DIM4 + c] = load_dO(g + 4u * c, 4u * c, HEAD_DIM);
      dqr[r * HEAD_DIM4 + c] = vec4<f32>(0.0);
    }
    lse_r[r] = lse[bh * T + row];
    dsum_r[r] = dsum[bh * T + row];
  }

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
      /* unroll */ for (var r = 0u; r < QPT; r++) { a[r] = vec4<f32>(0.0); b[r] = vec4<f32>(0.0); }
      /* unroll */ for (var c = 0u; c < HEAD_DIM4; c++) {
        kc[c] = ktile[t + c];
        let vc = vtile[t + c];
        /* unroll */ for (var r = 0u; r < QPT; r++) {
          a[r] += qr[r * HEAD_DIM4 + c] * kc[c];
          b[r] += dor[r * HEAD_DIM4 + c] * vc;
        }
      }
      /* unroll */ for (var r = 0u; r < QPT; r++) {
        let live = !causal || j0 + j <= row0 + r;
        let p = select(0.0, exp(((a[r].x + a[r].y) + (a[r].z + a[r].w)) - lse_r[r]), live);
        ds[r] = p * (((b[r].x + b[r].y) + (b[r].z + b[r].w)) - dsum_r[r]);
      }
      /* unroll */ for (var c = 0u; c < HEAD_DIM4; c++) {
        /* unroll */ for (var r = 0u; r < QPT; r++) { dqr[r * HEAD_DIM4 + c] += ds[r] * kc[c]; }
      }
    }
    workgroupBarrier();
  }

  for (var r = 0u; r < QPT; r++) {
    let row = row0 + r;
    if (row < T) {
      let g = base + row * st;
      for (var c = 0u; c < HEAD_DIM4; c++) {
        let x = dqr[r * HEAD_DIM4 + c] * scale;
        for (var i = 0u; i < 4u; i++) {
          if (4u * c + i < HEAD_DIM) { dq[g + 4u * c + i] = x[i]; }
        }
      }
    }
  }
}
