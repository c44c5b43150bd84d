// Long runs at a size CI affords: hundreds of encode calls and a long guided generation on the tiny
// model, sampling GPU memory (runtime.stats()), the kernel caches and the JS heap. After warm-up
// nothing may grow: GPU figures exactly flat, the heap within a small bound. The long figure comes
// from test/hardening/soak.mjs (see docs/reliability.md).
import { describe, expect, it } from 'vitest';
import { generate, generators, init, loadClip, memoryFiles, Tensor } from '@clipgpu/clip-runtime';
import { gc, heapUsed, tinyFiles } from './helpers.js';

const rt = await init();
const { config, model } = tinyFiles();
const pipelines = () =>
  [...(rt.gpu as unknown as { pipelines: Map<unknown, Map<string, unknown>> }).pipelines.values()].reduce((n, m) => n + m.size, 0);
const MiB = 2 ** 20;
const STEPS = 20;

/** Heap growth between the lowest sample of the first and of the last third (GC noise cancels). */
function heapGrowth(samples: number[]): number {
  const third = Math.max(1, Math.floor(samples.length / 3));
  return Math.min(...samples.slice(-third)) - Math.min(...samples.slice(0, third));
}

describe('soak', () => {
  it('200 encode calls: GPU memory and caches flat after warm-up, JS heap bounded', async () => {
    const clip = await loadClip(memoryFiles({ 'config.json': config, 'model.safetensors': model }));
    const x = Tensor.from(
      Float32Array.from({ length: 3 * 30 * 30 }, (_, i) => Math.sin(i)),
      [1, 3, 30, 30],
    );
    const ids = Tensor.from(Int32Array.from([97, 10, 20, 30, 98, 0, 0]), [1, 7]);
    const call = async (i: number) => {
      const e = i % 2 ? await clip.encodeText(ids) : await clip.encodeImage(x);
      await e.toArray();
      e.dispose();
    };
    for (let i = 0; i < 20; i++) await call(i);
    const base = rt.stats();
    const basePipelines = pipelines();
    const heap: number[] = [];
    const CALLS = 200;
    const t0 = performance.now();
    for (let i = 0; i < CALLS; i++) {
      await call(i);
      if (i % 50 === 49) {
        expect(rt.stats(), `after ${i + 1} calls`).toEqual(base);
        heap.push(heapUsed());
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    const growth = heapGrowth(heap);
    console.log(
      `soak encode: ${CALLS} calls in ${seconds.toFixed(1)} s; GPU ${base.allocatedBytes} B allocated, flat; pipelines ${basePipelines}; heap ${(heap[0] / MiB).toFixed(1)} → ${(heap[heap.length - 1] / MiB).toFixed(1)} MiB (growth of the minimum ${(growth / 1024).toFixed(0)} KiB, gc ${gc ? 'forced' : 'not available'})`,
    );
    expect(pipelines()).toBe(basePipelines);
    // 4 MiB over 200 calls would be a leak of ~20 KiB per call
    expect(growth).toBeLessThan(gc ? 4 * MiB : 64 * MiB);
    [x, ids].forEach((t) => t.dispose());
    clip.dispose();
  });

  it('a 20-step guided generation: GPU memory flat after warm-up, JS heap bounded', async () => {
    const clip = await loadClip(memoryFiles({ 'config.json': config, 'model.safetensors': model }));
    const run = generate(clip, {
      prompts: [
        { embedding: Float32Array.from({ length: 24 }, (_, i) => Math.sin(i * 1.7)), weight: 1 },
        { embedding: Float32Array.from({ length: 24 }, (_, i) => Math.cos(i)), weight: -0.3 },
      ],
      generator: generators.pixels({ size: 32 }),
      steps: STEPS,
      cutn: 2,
      lr: 0.05,
      seed: 1,
    });
    let base: ReturnType<typeof rt.stats> | undefined;
    let basePipelines = 0;
    const heap: number[] = [];
    const t0 = performance.now();
    let last = 0;
    for await (const s of run) {
      if (s.step === 3) {
        base = rt.stats();
        basePipelines = pipelines();
      }
      if (s.step > 3) expect(rt.stats(), `step ${s.step}`).toEqual(base);
      if (s.step > 3 && s.step % 4 === 0) heap.push(heapUsed());
      expect(Number.isFinite(s.loss)).toBe(true);
      last = s.step;
    }
    expect(last).toBe(STEPS);
    expect(pipelines()).toBe(basePipelines);
    const growth = heapGrowth(heap);
    console.log(
      `soak generate: ${STEPS} steps in ${((performance.now() - t0) / 1000).toFixed(1)} s; GPU ${base!.allocatedBytes} B allocated, flat; heap growth of the minimum ${(growth / 1024).toFixed(0)} KiB`,
    );
    expect(growth).toBeLessThan(gc ? 4 * MiB : 64 * MiB);
    run.dispose();
    clip.dispose();
  });
});
