// Backward step 3: dQ. 64 query rows per workgroup, QPT per invocation, looping over the keys in
// tiles of KV_TILE staged in workgroup memory (k and v), recomputing
//   p = exp(scale·q_i·k_j − lse_i),  ds = p·(dO_i·v_j − dsum_i),  dq_i += scale·ds·k_j.
// Each row is owned by one invocation and summed in a fixed order: deterministic, no atomics.
// Layout, padding, uniforms and the fast path's specialisation as in attention.wgsl.
override QPT: u32 = 1u; // query rows per invocation, QPT·HEAD_DIM4 ≤ 64
override WG: u32 = 64u; // invocations per workgroup = ROWS / QPT
const ROWS: u32 = 64u;

struct Params {
  T: u32, heads: u32, stride_b: u32, stride_h: u32, stride_t: u32, scale: f32,
  head_dim: u32, kv_tile: u32, causal: u32,
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read> dO: array<f32>;
@group(0) @binding(5) var<storage, read> lse: array<f32>;
@group(0) @binding(6) var<storage, read> dsum: array<f32>;
@group(0) @binding(7) var<storage, read_write> dq: array<f32>;

// 2 × 4 KiB
var<workgroup> ktile: array<vec4<f32>, 256>;
var<workgroup> vtile: array<vec4<f32>, 256>;

// Elements d .. d+3 of a row (g: index of element d), zeros past hd.
fn load_q(g: u32, d: u32, hd: u32) -> vec4<f32> {
  if (d + 4u <= hd) { return vec4<f32>(q[g], q[g + 1u], q[g + 2u], q[g + 3u]); }
  var x = vec4<f32>(0.0);
  for (var i = 0u; i < 4u; i++) { if (d + i < hd) { x[i] = q[g + i]; } }
  return x;
}
fn load_k(g: u32, d: u32, hd: u32) -> vec4<f32> {
  if (d + 4u <= hd) { return vec4<f32>(k[g], k[g + 1u], k[g + 2u], k[g + 3u]); }
  var x = vec4<f32>(0.0);
  for (var i = 0u; i < 4u; i++) { if (d + i < hd) { x[i] = k[g + i]; } }
  return x;
}
fn load_v(g: u32, d: u32, hd: u32) -> vec4<f32> {
  if (d + 4u <= hd) { return vec4<f32>(v[g], v[g + 1u], v[g + 2u], v[g + 3u]); }
  var x = vec4<f32>(0.0);
  for (var i = 0u; i < 4u; i++) { if (d + i < hd) { x[i] = v[g + i]; } }
  return x;
}
fn load_do(g: u32, d: u32, hd: u32) -> vec4<f32> {
  if (d + 4u <= hd) { return vec4<f32>(dO[g], dO[g + 1u], dO[g + 2u], dO[g + 3u]); }
  var x = vec4<f32>(0.0);
  for (var i = 0u; i < 4u; i++) { if (d + i < hd) { x[i] = dO[g + i]; } }
  return x;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let HEAD_DIM = params.head_dim;       // specialised
  let HEAD_DIM4 = (HEAD_DIM + 3u) / 4u; // specialised
  let KV_TILE = params.kv_tile;         // specialised: KV_TILE·HEAD_DIM4 ≤ 256
  let causal = params.causal != 0u;
  let T = params.T;
  let st = params.stride_t;
  let scale = params.scale;
  let bh = wid.y;
  let base = (bh / params.heads) * params.stride_b + (bh % params.heads) * params.stride_h;
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
  for (var r = 0u; r < QPT; r += 1u) {
    let row = min(row0 + r, T - 1u);
    let g = base + row * st;
    for (var c = 0u; c < HEAD_DIM4; c += 1u) {
      qr[r * HEAD_DIM4 + c] = load_q(g + 4u * c, 4u * c, HEAD_DIM) * scale;
      dor[r * HEAD_DIM4 + c] = load_do(g + 4u * c, 4u * c, HEAD_DIM);
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
      for (var r = 0u; r < QPT; r++) { a[r] = vec4<f32>(0.0); b[r] = vec4<f32>(0.0); }
      for (var c = 0u; c < HEAD_DIM4; c++) {
        kc[c] = ktile[t + c];
        let vc = vtile[t + c];
        for (var r = 0u; r < QPT; r++) {
          a[r] += qr[r * HEAD_DIM4 + c] * kc[c];
          b[r] += dor[r * HEAD_DIM4 + c] * vc;
        }
      }
      for (var r = 0u; r < QPT; r++) {
        let live = !causal || j0 + j <= row0 + r;
        let p = select(0.0, exp(((a[r].x + a[r].y) + (a[r].z + a[r].w)) - lse_r[r]), live);
        ds[r] = p * (((b[r].x + b[r].y) + (b[r].z + b[r].w)) - dsum_r[r]);
      }
      for (var c = 0u; c < HEAD_DIM4; c++) {
        for (var r = 0u; r < QPT; r++) { dqr[r * HEAD_DIM4 + c] += ds[r] * kc[c]; }
      }
    }
    workgroupBarrier();
  }

  for (var r = 0u; r < QPT; r += 1u) {
    let row = row0 + r;
    if (row < T) {
      let g = base + row * st;
      for (var c = 0u; c < HEAD_DIM4; c += 1u) {
        let x = dqr[r * HEAD_DIM4 + c] * scale;
        for (var i = 0u; i < 4u; i++) {
          if (4u * c + i < HEAD_DIM) { dq[g + 4u * c + i] = x[i]; }
        }
      }
    }
  }
}
