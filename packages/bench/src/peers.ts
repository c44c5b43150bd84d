// The peer: tfjs-backend-webgpu on the same shapes, in the same run (its own GPUDevice on the same
// adapter). Forward only: matMul (fused with the bias, as ours), a layer norm composed of its ops
// (moments, sub, rsqrt, mul, add: what a tfjs CLIP would run) and softmax.
// Timing: always the wall clock around the ops and `await y.data()` (a read-back), since tfjs does
// not expose the GPU timestamps of one op: first run (its shader compile) on its own, then warm-up
// and the median of runs, as ours. Napkin FLOPs and bytes are ours for the same work, so GFLOP/s
// compare directly. In Node the read-back waits through gentleWait, as ours do: without it Dawn's
// busy poll would take a core from SwiftShader in the peer's timings only.
import { gentleWait } from '@clipgpu/kernels';
import { filled, measureWith, row, type BenchOptions, type Log, type Row } from './core.js';
import type { CaseSet } from './shapes.js';

type Tf = typeof import('@tensorflow/tfjs-core');
type T = import('@tensorflow/tfjs-core').Tensor;

/** Loads tfjs with its WebGPU backend; needs globalThis.navigator.gpu (a page, or Node with Dawn's). */
export async function loadTfjs(log: Log): Promise<Tf> {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs: the webgpu backend did not initialise');
  await tf.ready();
  log(`tfjs ${tf.version_core} on backend ${tf.getBackend()}`);
  return tf;
}

async function timeTf(tf: Tf, make: () => T, opts: { runs: number; warmup: number }) {
  const one = async (reps: number) => {
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
  void tf;
  return measureWith(one, () => one(1), opts);
}

export async function benchTfjs(tf: Tf, cases: CaseSet, opts: BenchOptions, log: Log, errors: string[]): Promise<Row[]> {
  const rows: Row[] = [];
  const want = (f: string) => !opts.only.length || opts.only.includes(f);
  const record = async (
    base: Omit<Row, 'gflops' | 'gbps' | 'firstMs' | 'medianMs' | 'minMs' | 'reps' | 'runs' | 'impl' | 'timing' | 'direction' | 'variant'>,
    make: () => T,
  ) => {
    try {
      const m = await timeTf(tf, make, opts);
      const r = row({ ...base, impl: 'tfjs-webgpu', timing: 'wall-clock+readback', direction: 'forward', variant: 'f32' }, m, opts.runs);
      rows.push(r);
      log(`  tfjs ${r.family} ${r.name}: ${r.medianMs} ms (first ${r.firstMs} ms), ${r.gflops} GFLOP/s, ${r.gbps} GB/s`);
    } catch (e) {
      const msg = `tfjs ${base.family} ${base.name}: ${String((e as Error).message ?? e).split('\n')[0]}`;
      errors.push(msg);
      log(`  ERROR ${msg}`);
    }
  };
  if (want('matmul')) {
    log('tfjs matmul:');
    for (const c of cases.matmul) {
      const x = tf.tensor2d(filled(c.M * c.K, 1), [c.M, c.K]);
      const w = tf.tensor2d(filled(c.N * c.K, 2), [c.N, c.K]);
      const b = tf.tensor1d(filled(c.N, 3));
      const flops = 2 * c.M * c.N * c.K;
      const bytes = 4 * (c.M * c.K + c.N * c.K + c.M * c.N + c.N);
      await record(
        { family: 'matmul', name: c.name, shape: `${c.M}×${c.K}×${c.N}`, flops, bytes, notes: 'tf.fused.matMul(x, W, transposeB, bias)' },
        () => tf.fused.matMul({ a: x, b: w, transposeB: true, bias: b }),
      );
      [x, w, b].forEach((t) => t.dispose());
    }
  }
  if (want('layernorm')) {
    log('tfjs layernorm:');
    for (const c of cases.layernorm) {
      const n = c.rows * c.cols;
      const x = tf.tensor2d(filled(n, 4, 1), [c.rows, c.cols]);
      const g = tf.tensor1d(filled(c.cols, 5));
      const b = tf.tensor1d(filled(c.cols, 6));
      const bytes = 4 * (2 * n + 2 * c.cols + 2 * c.rows);
      await record(
        { family: 'layernorm', name: c.name, shape: `${c.rows}×${c.cols}`, flops: 8 * n, bytes, notes: 'moments + sub/rsqrt/mul/add' },
        () =>
          tf.tidy(() => {
            const { mean, variance } = tf.moments(x, -1, true);
            return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), g), b);
          }),
      );
      [x, g, b].forEach((t) => t.dispose());
    }
  }
  if (want('softmax')) {
    log('tfjs softmax:');
    for (const c of cases.softmax) {
      const n = c.rows * c.cols;
      const x = tf.tensor2d(filled(n, 8, 4), [c.rows, c.cols]);
      await record({ family: 'softmax', name: c.name, shape: `${c.rows}×${c.cols}`, flops: 5 * n, bytes: 8 * n, notes: 'tf.softmax' }, () =>
        tf.softmax(x),
      );
      x.dispose();
    }
  }
  return rows;
}
