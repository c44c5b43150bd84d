// Results → the peers' ratios (results/ratios.json), a Markdown report and a one-paragraph summary.
// The same functions write the driver's files and the page's downloads.
import type { Results, Row } from './core.js';

export const fmt = (v: number | undefined | null): string =>
  v == null || !Number.isFinite(v) ? '–' : v >= 100 ? v.toFixed(0) : v >= 0.001 ? String(Number(v.toPrecision(3))) : v.toExponential(1);
const human = (v: number, unit: string) =>
  !v ? '–' : v >= 1e9 ? `${fmt(v / 1e9)} G${unit}` : v >= 1e6 ? `${fmt(v / 1e6)} M${unit}` : `${fmt(v / 1e3)} k${unit}`;

export interface PeerRatio {
  family: string;
  name: string;
  shape: string;
  peer: string;
  /** the peer's fastest way of calling it (the ratio's denominator) */
  peerConfig?: string;
  ours: Row;
  ours16?: Row;
  theirs: Row;
  /** every config of the peer that was timed */
  configs: Row[];
  ourMs: number;
  our16Ms?: number;
  ratio: number;
  ratio16?: number;
}

const ourTime = (r: Row) => r.wallMs ?? r.medianMs;

/** Per case and peer: the peer's fastest config against ours (f32, and f16 weights), time ratio theirs / ours. */
export function peerRatios(results: Results): PeerRatio[] {
  const ok = results.rows.filter((r) => !r.error && r.direction !== 'backward' && r.medianMs > 0);
  const ours = ok.filter((r) => r.impl === 'clipgpu');
  const groups = new Map<string, Row[]>();
  for (const t of ok.filter((r) => r.impl !== 'clipgpu')) {
    const k = `${t.family}\u0000${t.name}\u0000${t.impl}`;
    groups.set(k, [...(groups.get(k) ?? []), t]);
  }
  const out: PeerRatio[] = [];
  for (const configs of groups.values()) {
    const theirs = configs.reduce((a, b) => (b.medianMs < a.medianMs ? b : a));
    const same = (r: Row) => r.family === theirs.family && r.name === theirs.name;
    // end to end: ours loads f16 weights, the peer f32
    const o32 = ours.find((r) => same(r) && (r.variant === 'f32' || theirs.direction === 'e2e'));
    const o16 = ours.find((r) => same(r) && r.variant === 'f16');
    if (!o32) continue;
    out.push({
      family: theirs.family,
      name: theirs.name,
      shape: theirs.shape,
      peer: theirs.impl,
      peerConfig: theirs.config,
      ours: o32,
      ours16: o16,
      theirs,
      configs,
      ourMs: ourTime(o32),
      our16Ms: o16 && ourTime(o16),
      ratio: theirs.medianMs / ourTime(o32),
      ratio16: o16 ? theirs.medianMs / ourTime(o16) : undefined,
    });
  }
  return out;
}

/** The rows of results/ratios.json: one per case and peer. */
export function ratioEntries(results: Results) {
  return peerRatios(results).map((r) => ({
    env: results.env,
    adapter: results.adapter,
    date: results.date,
    case: `${r.family} ${r.name}`,
    shape: r.shape,
    oursMs: r.ourMs,
    ours16Ms: r.our16Ms,
    peer: r.peer,
    peerConfig: r.peerConfig,
    peerMs: r.theirs.medianMs,
    peerConfigsMs: Object.fromEntries(r.configs.map((c) => [c.config ?? c.impl, c.medianMs])),
    ratio: Number(r.ratio.toPrecision(4)),
    ratio16: r.ratio16 && Number(r.ratio16.toPrecision(4)),
    timing: `${r.theirs.timing}, ours and the peer's samples interleaved (A B, B A, …), median of ${r.theirs.runs}`,
  }));
}

function header(results: Results): string[] {
  const o = results.options;
  const L = [`# clipgpu benchmarks: ${results.adapter} (${results.env})`, ''];
  L.push(`- date: ${results.date}; ${results.userAgent}`);
  if (results.note) L.push(`- conditions: ${results.note}`);
  if (results.adapterInfo)
    L.push(
      `- adapter: ${
        Object.entries(results.adapterInfo)
          .filter(([, v]) => v)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ') || '–'
      }`,
    );
  L.push(
    `- mode: ${o.quick ? 'quick' : 'full'}; batches ${o.batches?.length ? o.batches.join(', ') : o.quick ? '1' : '1, 16'}; median of ${o.runs} runs after ${o.warmup} warm-up; "first" = first launch (pipeline compile + one run), wall clock`,
  );
  L.push(`- timing: ${results.timing} (${results.timingWhy}); peers always wall clock + read-back, sampled interleaved with ours`);
  if (results.peaks) {
    const p = results.peaks;
    L.push(
      `- measured peaks (${p.timing}): **${fmt(p.gflops)} GFLOP/s** (FMA probe, best sample ${fmt(p.fma.gflopsBest)}), **${fmt(p.gbps)} GB/s** (read-reduce of ${fmt(p.bandwidth.bytes / 2 ** 20)} MiB, best ${fmt(p.bandwidth.gbpsBest)}); ridge point ${fmt(p.gflops / p.gbps)} FLOP/B`,
    );
  }
  if (results.tuned) {
    const t = results.tuned;
    L.push(
      `- matmul autotuner (${t.source}, at ${t.shape}): winner **${t.winner}**; ${t.candidates.map((c) => `${c.config} ${fmt(c.gflops)} GFLOP/s`).join(', ')}`,
    );
  }
  if (results.stopped) L.push('- **stopped before the end**');
  return [...L, ''];
}

export function markdown(results: Results): string {
  const L = header(results);
  const ratios = peerRatios(results);
  if (ratios.length) {
    L.push('## Beside the peers (forward and end to end, same shapes, same run, samples interleaved)', '');
    L.push("ratio = the peer's time at its fastest config / ours (> 1: we are faster); both by wall clock + read-back.", '');
    L.push('| kernel | shape | ours f32 ms | ours f16 ms | peer | peer config (fastest) | peer ms | ratio f32 | ratio f16 |');
    L.push('|---|---|--:|--:|---|---|--:|--:|--:|');
    for (const r of ratios)
      L.push(
        `| ${r.family} ${r.name} | ${r.shape} | ${fmt(r.ourMs)} | ${fmt(r.our16Ms)} | ${r.peer} | ${r.peerConfig ?? ''} | ${fmt(r.theirs.medianMs)} | **${fmt(r.ratio)}×** | ${r.ratio16 ? `${fmt(r.ratio16)}×` : '–'} |`,
      );
    L.push('');
  }
  L.push('## All rows', '');
  L.push(
    '| impl | kernel | dir | case | shape | var | FLOPs | bytes | FLOP/B | first ms | median ms | min ms | GFLOP/s | GB/s | % peak FLOP/s | % peak GB/s | % roofline | notes |',
  );
  L.push('|---|---|---|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|');
  for (const r of results.rows)
    L.push(
      r.error
        ? `| ${r.impl} | ${r.family} | ${r.direction} | ${r.name} | | | | | | | | | | | | | | FAILED: ${r.error} |`
        : `| ${r.impl} | ${r.family} | ${r.direction} | ${r.name} | ${r.shape} | ${r.config ?? r.variant} | ${human(r.flops, '')} | ${human(r.bytes, 'B')} | ${fmt(r.intensity)} | ${fmt(r.firstMs)} | ${fmt(r.medianMs)} | ${fmt(r.minMs)} | ${fmt(r.gflops)} | ${fmt(r.gbps)} | ${fmt(r.pctPeakFlops)} | ${fmt(r.pctPeakBandwidth)} | ${fmt(r.pctRoofline)} | ${r.notes ?? ''} |`,
    );
  if (results.errors.length) L.push('', '## Errors', '', ...results.errors.map((e) => `- ${e}`));
  return `${L.join('\n')}\n`;
}

/** A few lines to paste: device, peaks, the ratios. */
export function summary(results: Results): string {
  const p = results.peaks;
  const ok = results.rows.filter((r) => !r.error);
  const lines = [
    `clipgpu on ${results.adapter} (${results.env}, ${results.timing})${p ? `: peaks ${fmt(p.gflops)} GFLOP/s, ${fmt(p.gbps)} GB/s` : ''}; ${ok.length} rows`,
  ];
  for (const r of peerRatios(results))
    lines.push(`${r.family} ${r.name} ${r.shape}: ${fmt(r.ourMs)} ms vs ${r.peer} ${fmt(r.theirs.medianMs)} ms → ${fmt(r.ratio)}×`);
  const best = ok.filter((r) => r.impl === 'clipgpu' && r.pctRoofline !== undefined).sort((a, b) => b.pctRoofline! - a.pctRoofline!)[0];
  if (best) lines.push(`closest to the roofline: ${best.family} ${best.name} ${best.variant}, ${fmt(best.pctRoofline)}%`);
  return lines.join('\n');
}
