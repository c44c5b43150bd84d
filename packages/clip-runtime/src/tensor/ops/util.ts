// Small helpers shared by the ops: shape checks, output allocation, broadcast analysis.
import { sizeOf, Tensor } from '../tensor.js';

export function fail(op: string, message: string): never {
  throw new Error(`clipgpu ${op}: ${message}`);
}

export function fmt(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

export function f32(op: string, name: string, t: Tensor): Tensor {
  if (t.dtype !== 'f32') fail(op, `'${name}' must be f32, got ${t.dtype} ${fmt(t.shape)}`);
  return t;
}

export function sameRuntime(op: string, ...ts: Tensor[]): void {
  const rt = ts[0].rt;
  for (const t of ts) if (t.rt !== rt) fail(op, 'tensors live on different GPU runtimes');
}

/** An f32 output of the given shape on x's runtime. */
export function emptyLike(x: Tensor, shape: readonly number[] = x.shape): Tensor {
  return Tensor.empty(shape, 'f32', x.rt);
}

/** rows × cols view of a tensor over its last axis. */
export function rowsCols(t: Tensor): { rows: number; cols: number } {
  const cols = t.shape.length ? t.shape[t.shape.length - 1] : 1;
  return { rows: cols ? t.size / cols : 0, cols };
}

/**
 * How b broadcasts over a (NumPy rules restricted to one contiguous block of b's non-1 axes):
 * a viewed as [outer, nb, inner] reads b[(i / inner) % nb]. null when it does not.
 */
export function broadcastOf(a: readonly number[], b: readonly number[]): { nb: number; inner: number } | null {
  if (b.length > a.length)
    return sizeOf(b) === sizeOf(a) && sizeOf(b.slice(0, b.length - a.length)) === 1 ? broadcastOf(a, b.slice(b.length - a.length)) : null;
  const bb = [...new Array(a.length - b.length).fill(1), ...b];
  const axes = bb.map((d, i) => (d !== 1 ? i : -1)).filter((i) => i >= 0);
  if (!axes.length) return { nb: 1, inner: 1 };
  const s = axes[0];
  const e = axes[axes.length - 1] + 1;
  for (let i = s; i < e; i++) if (bb[i] !== a[i]) return null;
  return { nb: sizeOf(a.slice(s, e)), inner: sizeOf(a.slice(e)) };
}
