// The device's measured peaks: the kernels' probes (packages/kernels/src/probe), sized until one
// launch is long enough to time well, then timed as every row is (median of `runs`). On the wall
// clock a sample lasts ≥ 100 ms, so the read-back that ends it is a small share: an underestimated
// ceiling would overstate every row's % of peak.
import { bandwidthProbe, fmaProbe, type Gpu, type Probe } from '@clipgpu/kernels';
import { gpuContender, type Log, measureInterleaved, type Peaks, round, type Timing } from './core.js';

async function timeProbe(gpu: Gpu, p: Probe, timing: Timing, o: { runs: number; warmup: number }) {
  const c = gpuContender(gpu, { launch: p.launch, done: () => gpu.read(p.out, 4) }, timing);
  const minSampleMs = timing === 'gpu-timestamps' ? 5 : 100;
  return (await measureInterleaved([c], { ...o, warmup: Math.max(1, o.warmup), minSampleMs }))[0];
}

export async function measurePeaks(
  gpu: Gpu,
  timing: Timing,
  software: boolean,
  o: { runs: number; warmup: number },
  log: Log,
): Promise<Peaks> {
  // FMA: enough invocations to fill the device, iterations grown until a launch takes ≥ 20 ms
  const invocations = software ? 256 * 64 : 256 * 8192;
  let iterations = 64;
  for (let compiled = false; ; compiled = true) {
    const p = fmaProbe(gpu, { invocations, iterations });
    const t0 = performance.now();
    p.launch();
    await gpu.read(p.out, 4);
    const ms = performance.now() - t0;
    p.dispose();
    if (!compiled) continue; // the first launch compiles the pipeline
    if (ms >= 20 || iterations >= 1 << 16) break;
    iterations = Math.min(1 << 16, iterations * Math.max(2, Math.ceil(20 / Math.max(ms, 0.5))));
  }
  const fma = fmaProbe(gpu, { invocations, iterations });
  const f = await timeProbe(gpu, fma, timing, o);
  fma.dispose();
  const gflops = fma.flops / f.medianMs / 1e6;
  log(`peak FLOP/s (FMA probe, ${invocations} invocations × ${iterations} iterations): ${round(gflops)} GFLOP/s (${round(f.medianMs)} ms)`);

  // bandwidth: a buffer well past the caches, within the device's binding limit
  const cap = Math.min(gpu.limits.maxStorageBufferBindingSize, gpu.limits.maxBufferSize);
  const bytes = Math.min(software ? 64 << 20 : 512 << 20, Math.floor(cap / 2 / 16) * 16);
  const bw = bandwidthProbe(gpu, { bytes });
  const b = await timeProbe(gpu, bw, timing, o);
  bw.dispose();
  const gbps = bw.bytes / b.medianMs / 1e6;
  log(`peak bandwidth (read-reduce probe, ${(bytes / 2 ** 20).toFixed(0)} MiB): ${round(gbps)} GB/s (${round(b.medianMs)} ms)`);
  return {
    gflops: round(gflops),
    gbps: round(gbps),
    timing,
    fma: { invocations, iterations, medianMs: round(f.medianMs), minMs: round(f.minMs), gflopsBest: round(fma.flops / f.minMs / 1e6) },
    bandwidth: {
      bytes,
      invocations: bw.invocations,
      medianMs: round(b.medianMs),
      minMs: round(b.minMs),
      gbpsBest: round(bw.bytes / b.minMs / 1e6),
    },
  };
}
