// The peer: tfjs-backend-webgpu on the same shapes, in the same run (its own GPUDevice on the same
// adapter), each at its best: a matmul is timed three ways, as a tfjs user may write it (fused with
// W [N, K] transposed, fused with W [K, N], plain tf.matMul with W [K, N] and tf.add of the bias),
// and the fastest is the ratio's denominator. Layer norm is composed of its ops (moments, sub,
// rsqrt, mul, add: what a tfjs CLIP would run), softmax is tf.softmax. Forward only.
// Timing: the wall clock around the ops and `await y.data()` (a read-back), since tfjs does not
// expose the GPU timestamps of one op; the suite samples these contenders interleaved with ours.
// Napkin FLOPs and bytes are ours for the same work, so GFLOP/s compare directly. In Node the
// read-back waits through gentleWait, as ours do: without it Dawn's busy poll would take a core
// from SwiftShader in the peer's timings only.
import { gentleWait } from '@clipgpu/kernels';
import { type Contender, filled, type Log, type RowBase } from './core.js';
import type { MatmulCase, RowsCase } from './shapes.js';

type Tf = typeof import('@tensorflow/tfjs-core');
type T = import('@tensorflow/tfjs-core').Tensor;

export const TFJS = 'tfjs-webgpu';

/** Loads tfjs with its WebGPU backend; needs globalThis.navigator.gpu (a page, or Node with Dawn's). */
export async function loadTfjs(log: Log): Promise<Tf> {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs: the webgpu backend did not initialise');
  await tf.ready();
  log(`tfjs ${tf.version_core} on backend ${tf.getBackend()}`);
  return tf;
}

function tfContender(make: () => T): Contender {
  const sample = async (reps: number) => {
    const t0 = performance.now();
    let y: T | undefined;
    for (let i = 0; i < reps; i++) {
      y?.dispose();
      y = make();
    }
    await gentleWait(y!.data());
    y!.dispose();
    return performance.now() - t0;
  };
  return { first: () => sample(1), sample };
}

export interface PeerEntry {
  base: RowBase;
  contender: Contender;
}

const peerBase = (family: string, name: string, shape: string, flops: number, bytes: number, config: string): RowBase => ({
  family,
  name,
  shape,
  variant: 'f32',
  direction: 'forward',
  impl: TFJS,
  config,
  timing: 'wall-clock+readback',
  flops,
  bytes,
});

/** tfjs's entries for one forward case of `family` (none for attention: tfjs has no fused one). */
export function preparePeer(tf: Tf, family: string, c: unknown): { entries: PeerEntry[]; dispose: () => void } {
  const held: T[] = [];
  const keep = <X extends T>(t: X) => (held.push(t), t);
  const entries: PeerEntry[] = [];
  const add = (base: RowBase, make: () => T) => entries.push({ base, contender: tfContender(make) });
  if (family === 'matmul') {
    const m = c as MatmulCase;
    const w = filled(m.N * m.K, 2);
    const wT = new Float32Array(m.K * m.N);
    for (let n = 0; n < m.N; n++) for (let k = 0; k < m.K; k++) wT[k * m.N + n] = w[n * m.K + k];
    const x = keep(tf.tensor2d(filled(m.M * m.K, 1), [m.M, m.K]));
    const wNK = keep(tf.tensor2d(w, [m.N, m.K]));
    const wKN = keep(tf.tensor2d(wT, [m.K, m.N]));
    const b = keep(tf.tensor1d(filled(m.N, 3)));
    const shape = `${m.M}×${m.K}×${m.N}`;
    const flops = 2 * m.M * m.N * m.K;
    const bytes = 4 * (m.M * m.K + m.N * m.K + m.M * m.N + m.N);
    const base = (config: string) => peerBase('matmul', m.name, shape, flops, bytes, config);
    add(base('tf.fused.matMul(x, W[N,K], transposeB, bias)'), () => tf.fused.matMul({ a: x, b: wNK, transposeB: true, bias: b }));
    add(base('tf.fused.matMul(x, W[K,N], bias)'), () => tf.fused.matMul({ a: x, b: wKN, bias: b }));
    add(base('tf.add(tf.matMul(x, W[K,N]), bias)'), () => tf.tidy(() => tf.add(tf.matMul(x, wKN), b)));
  } else if (family === 'layernorm') {
    const r = c as RowsCase;
    const n = r.rows * r.cols;
    const x = keep(tf.tensor2d(filled(n, 4, 1), [r.rows, r.cols]));
    const g = keep(tf.tensor1d(filled(r.cols, 5)));
    const b = keep(tf.tensor1d(filled(r.cols, 6)));
    const bytes = 4 * (2 * n + 2 * r.cols + 2 * r.rows);
    add(peerBase('layernorm', r.name, `${r.rows}×${r.cols}`, 8 * n, bytes, 'moments + sub/rsqrt/mul/add'), () =>
      tf.tidy(() => {
        const { mean, variance } = tf.moments(x, -1, true);
        return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), g), b);
      }),
    );
  } else if (family === 'softmax') {
    const r = c as RowsCase;
    const n = r.rows * r.cols;
    const x = keep(tf.tensor2d(filled(n, 8, 4), [r.rows, r.cols]));
    add(peerBase('softmax', r.name, `${r.rows}×${r.cols}`, 5 * n, 8 * n, 'tf.softmax'), () => tf.softmax(x));
  }
  return { entries, dispose: () => held.forEach((t) => t.dispose()) };
}
