// One CLIP-guided generation step (fourier generator, 224 px, cutn 8, batch 1) on the e2e model,
// against what our matmul rate says it should cost: every matmul dispatch of a step is recorded
// (program, uniforms, constants, workgroups, buffer sizes) and each distinct one is replayed alone
// on fresh buffers and timed; the prediction is Σ count × that time, i.e. the step's matmul FLOPs
// at our matmul rate at its own shapes. With timestamp-query one more step runs under the Gpu's
// profiler for the per-kernel GPU-time breakdown (each dispatch in its own pass: an upper bound);
// without it the breakdown is dispatch counts.
import { type Clip, generate } from '@clipgpu/clip-runtime';
import type { BufferArg, Gpu, Program, RunArgs } from '@clipgpu/kernels';
import { filled, type Log, type MeasureOptions, measureGpu, median, type Row, round } from './core.js';
import { countFlops, e2eRow, memoryNote, watchMemory } from './e2e-measure.js';

export const STEP = { generator: 'fourier', size: 224, cutn: 8 } as const;

interface Recorded {
  program: Program;
  args: RunArgs;
  sizes: Record<string, number>;
  count: number;
}

function recordDispatches(gpu: Gpu, keep: (p: Program) => boolean) {
  const byKernel = new Map<string, number>();
  const distinct = new Map<string, Recorded>();
  const orig = gpu.run;
  gpu.run = function (program, args) {
    byKernel.set(program.name, (byKernel.get(program.name) ?? 0) + 1);
    if (keep(program)) {
      const key = `${program.name} ${JSON.stringify([args.uniforms, args.constants, args.workgroups])}`;
      const r = distinct.get(key);
      if (r) r.count++;
      else {
        const size = (b: BufferArg) => ('buffer' in b ? (b.size ?? b.buffer.size - (b.offset ?? 0)) : b.size);
        const sizes = Object.fromEntries(Object.entries(args.buffers).map(([k, b]) => [k, size(b)]));
        distinct.set(key, { program, args: { ...args, buffers: {} }, sizes, count: 1 });
      }
    }
    return orig.call(this, program, args);
  };
  return { byKernel, distinct: () => [...distinct.values()], stop: () => void (gpu.run = orig) };
}

/** ms of each distinct recorded dispatch, replayed alone on fresh buffers of the same sizes. */
async function replay(gpu: Gpu, list: Recorded[], m: MeasureOptions): Promise<number> {
  const timing = gpu.hasTimestamps ? 'gpu-timestamps' : 'wall-clock+readback';
  let total = 0;
  for (const r of list) {
    const buffers = Object.fromEntries(Object.entries(r.sizes).map(([k, size]) => [k, gpu.createBuffer(size, `replay ${k}`)]));
    try {
      const out = Object.values(buffers).at(-1)!;
      const t = await measureGpu(
        gpu,
        { launch: () => gpu.run(r.program, { ...r.args, buffers }), done: () => gpu.read(out, 4) },
        timing,
        m,
      );
      total += r.count * t.medianMs;
    } finally {
      Object.values(buffers).forEach((b) => gpu.destroyBuffer(b));
    }
  }
  return total;
}

export async function benchStep(clip: Clip, software: boolean, m: MeasureOptions, log: Log): Promise<Row> {
  const rt = clip.runtime;
  const gpu = rt.gpu;
  const runs = Math.max(1, Math.min(m.runs, software ? 1 : 5));
  const profile = gpu.hasTimestamps;
  const steps = 1 + runs + (profile ? 1 : 0);
  const run = generate(clip, { prompts: [{ embedding: filled(512, 17, 1) }], ...STEP, steps });
  const ms: number[] = [];
  let firstMs = 0;
  let flops = 0;
  let rec: ReturnType<typeof recordDispatches> | undefined;
  let mem: ReturnType<typeof watchMemory> | undefined;
  let memory = { peakBytes: 0, addedBytes: 0 };
  let breakdown = '';
  let prev = performance.now();
  let c = countFlops(gpu);
  try {
    for await (const s of run) {
      const now = performance.now();
      c.stop();
      if (s.step === 1) firstMs = now - prev;
      else if (s.step <= 1 + runs) ms.push(now - prev);
      if (s.step === 2) {
        flops = c.flops();
        rec?.stop();
        memory = mem!.stop();
      }
      m.check?.();
      if (s.step === 1) {
        rec = recordDispatches(gpu, (p) => p.name.startsWith('matmul'));
        mem = watchMemory(rt);
      }
      if (s.step === 1 + runs && profile) gpu.startProfile();
      if (s.step === steps && profile) {
        const top = await gpu.profileReport();
        const sum = top.reduce((a, k) => a + k.ms, 0);
        breakdown = `GPU time by kernel (timestamp queries, one pass per dispatch, total ${round(sum)} ms): ${top
          .slice(0, 10)
          .map((k) => `${k.kernel} ${round(k.ms)} ms (${k.dispatches})`)
          .join(', ')}`;
      }
      c = countFlops(gpu);
      prev = performance.now();
    }
  } finally {
    c.stop();
    rec?.stop();
    run.dispose();
  }
  const counts = [...(rec?.byKernel ?? [])].sort((a, b) => b[1] - a[1]);
  const dispatches = counts.reduce((a, [, n]) => a + n, 0);
  if (!breakdown)
    breakdown = `no timestamp-query, so dispatches by kernel: ${counts
      .slice(0, 10)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`;
  const list = rec?.distinct() ?? [];
  const predicted = await replay(gpu, list, { runs: software ? 1 : 3, warmup: software ? 0 : 1, check: m.check });
  const med = median(ms);
  const ratio = med / predicted;
  log(
    `  guided step: ${round(med)} ms (first ${round(firstMs)} ms); matmul-rate prediction ${round(predicted)} ms → ${round(ratio)}× (target ≤ 1.5×)`,
  );
  const notes = [
    `${round(flops / 1e9)} GFLOP of matmul in ${dispatches} dispatches`,
    `predicted from our matmul rate at its ${list.length} distinct matmul dispatches (each replayed alone): ${round(predicted)} ms; step / predicted = ${round(ratio)}× (target ≤ 1.5×)`,
    memoryNote(memory),
    breakdown,
  ].join('; ');
  return e2eRow(
    `guided generation step (fourier, cutn ${STEP.cutn})`,
    `${STEP.size} px, cutn ${STEP.cutn}, batch 1`,
    { firstMs, medianMs: med, minMs: Math.min(...ms) },
    ms.length,
    flops,
    notes,
  );
}
