// The benchmark's options as URL query parameters, so a link reproduces a run:
// ?only=matmul,softmax&towers=ViT-B/32&batches=1&variants=f32,f16&directions=forward&runs=5&peers=1
// Lists are comma-separated, switches 1 or 0, counts whole numbers; absent: the default.
import type { BenchOptions } from './core.js';

type Kind = 'list' | 'ints' | 'int' | 'bool' | 'text';
export const SETTINGS: Record<string, Kind> = {
  only: 'list',
  towers: 'list',
  batches: 'ints',
  variants: 'list',
  directions: 'list',
  quick: 'bool',
  runs: 'int',
  warmup: 'int',
  probes: 'bool',
  tune: 'bool',
  retune: 'bool',
  peers: 'bool',
  onnx: 'bool',
  e2e: 'bool',
  gen: 'bool',
  match: 'text',
};

/** The query string (no '?') for `o`; undefined fields are left out. */
export function encodeSettings(o: Partial<BenchOptions>): string {
  const q = new URLSearchParams();
  for (const [k, kind] of Object.entries(SETTINGS)) {
    const v = (o as Record<string, unknown>)[k];
    if (v === undefined || v === null) continue;
    q.set(k, kind === 'bool' ? (v ? '1' : '0') : Array.isArray(v) ? v.join(',') : String(v));
  }
  return q.toString().replace(/%2C/g, ',').replace(/%2F/g, '/');
}

/** The options a query string names; unknown or malformed parameters are ignored. */
export function decodeSettings(search: string): Partial<BenchOptions> {
  const q = new URLSearchParams(search);
  const out: Record<string, unknown> = {};
  for (const [k, kind] of Object.entries(SETTINGS)) {
    const v = q.get(k);
    if (v === null) continue;
    if (kind === 'bool') out[k] = v === '1' || v === 'true';
    else if (kind === 'list') out[k] = v.split(',').filter(Boolean);
    else if (kind === 'ints')
      out[k] = v
        .split(',')
        .map(Number)
        .filter((n) => Number.isInteger(n) && n > 0);
    else if (kind === 'int') {
      if (/^\d+$/.test(v)) out[k] = Number(v);
    } else out[k] = v;
  }
  return out as Partial<BenchOptions>;
}
