// CLIPGPU_PROFILE=kernels (or =shapes) during training: the GPU time of one step, kernel by kernel.
import type { KernelTime } from '@clipgpu/kernels';
import type { Runtime } from '@clipgpu/clip-runtime';

/** CLIPGPU_PROFILE=kernels (or =shapes): profiles the third step's GPU time; true when it started one. */
export function startStepProfile(rt: Runtime, step: number): boolean {
  const mode = process.env.CLIPGPU_PROFILE;
  if (step !== 2 || (mode !== 'kernels' && mode !== 'shapes')) return false;
  rt.gpu.startProfile({ byShape: mode === 'shapes' });
  return true;
}

/** The 25 kernels (or kernel shapes) that took the most GPU time, one line each. */
export function logProfile(report: KernelTime[], log: (line: string) => void): void {
  for (const k of report.slice(0, 25))
    log(`  ${k.kernel.slice(0, 120).padEnd(28)} ${String(k.dispatches).padStart(5)} × ${k.ms.toFixed(1).padStart(8)} ms`);
}
