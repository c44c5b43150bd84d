import { it } from 'vitest';
import { testGpu, randn, rng } from '../testing.js';
import { matmul, type MatmulShape } from './matmul.js';
const cfg = (tm: number, tn: number, wgx: number, wgy: number, tk: number) => ({ name: `${tm}x${tn}/${wgx}x${wgy}/k${tk}`, tm, tn, wgx, wgy, tk });
it('probe', async () => {
  const gpu = await testGpu();
  const shapes: MatmulShape[] = [
    { batch: 1, M: 16384, N: 8, K: 144, transB: true },
    { batch: 1, M: 16384, N: 3, K: 72, transB: true },
    { batch: 1, M: 4096, N: 16, K: 288, transB: true },
  ];
  const configs = [cfg(16, 32, 2, 2, 8), cfg(16, 4, 2, 2, 8), cfg(16, 8, 1, 2, 8), cfg(8, 4, 1, 4, 8), cfg(32, 4, 1, 2, 8), cfg(16, 4, 1, 4, 16)];
  for (const s of shapes) {
    const b = s.batch ?? 1;
    const A = gpu.upload(randn(b * s.M * s.K, rng(1))), B = gpu.upload(randn(b * s.K * s.N, rng(2))), C = gpu.createBuffer(4 * b * s.M * s.N);
    const line: string[] = [];
    for (const c of configs) {
      matmul(gpu, A, B, C, s, {}, c); await gpu.sync();
      const ts: number[] = [];
      for (let i = 0; i < 3; i++) ts.push((await gpu.time(() => matmul(gpu, A, B, C, s, {}, c)))! / 1e6);
      ts.sort((x, y) => x - y);
      line.push(`${c.name} ${ts[1]!.toFixed(1)}ms`);
    }
    console.log(JSON.stringify(s), line.join(' | '));
  }
});
