// The kernel profiler: GPU time per kernel from timestamp queries, used to find what a training
// step spends its time on (CLIPGPU_PROFILE=kernels in train-clip).
import { describe, expect, it } from 'vitest';
import { fill, permute } from './layout/layout.js';
import { testGpu } from './testing.js';

const gpu = await testGpu();

describe('profiler', () => {
  it('counts dispatches and GPU time per kernel, and leaves results unchanged', async () => {
    const X = gpu.createBuffer(4 * 6 * 64),
      Y = gpu.createBuffer(4 * 6 * 64);
    gpu.startProfile();
    fill(gpu, X, 6 * 64, 2.5);
    for (let i = 0; i < 3; i++) permute(gpu, X, Y, [6, 64], [1, 0]);
    const report = await gpu.profileReport();
    expect(report.map((k) => [k.kernel, k.dispatches]).sort()).toEqual([
      ['fill', 1],
      ['permute', 3],
    ]);
    for (const k of report) expect(k.ms).toBeGreaterThanOrEqual(0);
    expect(Array.from(await gpu.readF32(Y, 6 * 64)).every((v) => v === 2.5)).toBe(true);
    [X, Y].forEach((b) => gpu.destroyBuffer(b));
  });

  it('by shape, names each dispatch by its uniforms and workgroups', async () => {
    const X = gpu.createBuffer(4 * 40);
    gpu.startProfile({ byShape: true });
    fill(gpu, X, 10, 1);
    fill(gpu, X, 40, 1);
    const names = (await gpu.profileReport()).map((k) => k.kernel).sort();
    expect(names).toHaveLength(2);
    expect(names[0]).toMatch(/^fill \{.*10.*\} × \[1, 1, 1\]$|^fill \{.*\} × \[1/);
    [X].forEach((b) => gpu.destroyBuffer(b));
  });

  it('without a profile started, says so', async () => {
    await expect(gpu.profileReport()).rejects.toThrow(/no profile was started/);
  });
});
