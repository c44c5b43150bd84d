// Results → Markdown table and a hand-drawn SVG chart (GFLOP/s per kernel and shape, log scale,
// ours f32 / ours f16 / tfjs-backend-webgpu side by side). Plain Node, no chart library.

const fmt = (v) =>
  v == null || !Number.isFinite(v) ? '–' : v >= 100 ? v.toFixed(0) : v >= 0.001 ? String(Number(v.toPrecision(3))) : v.toExponential(1);
const human = (v, unit) =>
  !v ? '–' : v >= 1e9 ? `${fmt(v / 1e9)} G${unit}` : v >= 1e6 ? `${fmt(v / 1e6)} M${unit}` : `${fmt(v / 1e3)} k${unit}`;
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

/** ours f32 forward vs the peer's row of the same family and name: time ratio (theirs / ours). */
export function peerRatios(results) {
  const ours = results.rows.filter((r) => r.impl === 'clipgpu' && r.direction !== 'backward');
  const out = [];
  for (const t of results.rows.filter((r) => r.impl !== 'clipgpu' && r.direction !== 'backward')) {
    // end to end: ours loads f16 weights, the peer f32
    const o32 = ours.find((r) => r.family === t.family && r.name === t.name && (r.variant === 'f32' || t.direction === 'e2e'));
    const o16 = ours.find((r) => r.family === t.family && r.name === t.name && r.variant === 'f16');
    if (!o32) continue;
    out.push({
      family: t.family,
      name: t.name,
      shape: t.shape,
      peer: t.impl,
      ours: o32,
      ours16: o16,
      theirs: t,
      ourMs: o32.wallMs ?? o32.medianMs,
      ratio: t.medianMs / (o32.wallMs ?? o32.medianMs),
      our16Ms: o16 && (o16.wallMs ?? o16.medianMs),
      ratio16: o16 ? t.medianMs / (o16.wallMs ?? o16.medianMs) : undefined,
    });
  }
  return out;
}

export function markdown(results) {
  const L = [];
  const o = results.options;
  L.push(`# clipgpu benchmarks: ${results.adapter} (${results.env})`, '');
  L.push(`- date: ${results.date}; ${results.userAgent}`);
  L.push(
    `- mode: ${o.quick ? 'quick (batch 1; of ViT-L/14 only the out-proj product)' : 'full (batch 1 and 16)'}; median of ${o.runs} runs after ${o.warmup} warm-up; "first" = first launch (pipeline compile + one run), wall clock`,
  );
  L.push(`- timing: ${results.timing} (${results.timingWhy}); peers always wall clock + read-back`);
  if (results.tuned) {
    const t = results.tuned;
    L.push(
      `- matmul autotuner (${t.source}, at ${t.shape}): winner **${t.winner}**; ${t.candidates.map((c) => `${c.config} ${fmt(c.gflops)} GFLOP/s (first ${fmt(c.firstMs)} ms)`).join(', ')}`,
    );
  }
  L.push('');
  const ratios = peerRatios(results);
  if (ratios.length) {
    L.push('## Side by side with the peers (forward and end to end, same shapes, same run)', '');
    L.push(
      'ratio = their time / our time (> 1: we are faster; = our GFLOP/s / theirs); both timed the same way (wall clock around the launches and a read-back; where ours had GPU timestamps, ours was timed that way too for this table); target for matmul: ≥ 3×.',
      '',
    );
    L.push(
      '| kernel | shape | ours f32 ms (wall) | ours f16 ms (wall) | peer | peer ms | ours GFLOP/s | peer GFLOP/s | ratio f32 | ratio f16 |',
    );
    L.push('|---|---|--:|--:|---|--:|--:|--:|--:|--:|');
    for (const r of ratios)
      L.push(
        `| ${r.family} ${r.name} | ${r.shape} | ${fmt(r.ourMs)} | ${fmt(r.our16Ms)} | ${r.peer} | ${fmt(r.theirs.medianMs)} | ${fmt(r.ours.flops / r.ourMs / 1e6)} | ${fmt(r.theirs.gflops)} | **${fmt(r.ratio)}×** | ${r.ratio16 ? `${fmt(r.ratio16)}×` : '–'} |`,
      );
    L.push('');
  }
  L.push('## All rows', '');
  L.push('| impl | kernel | dir | case | shape | var | FLOPs | bytes | first ms | median ms | GFLOP/s | GB/s | notes |');
  L.push('|---|---|---|---|---|---|--:|--:|--:|--:|--:|--:|---|');
  for (const r of results.rows)
    L.push(
      `| ${r.impl} | ${r.family} | ${r.direction} | ${r.name} | ${r.shape} | ${r.variant} | ${human(r.flops, '')} | ${human(r.bytes, 'B')} | ${fmt(r.firstMs)} | ${fmt(r.medianMs)} | ${fmt(r.gflops)} | ${fmt(r.gbps)} | ${r.notes ?? ''} |`,
    );
  if (results.errors.length) L.push('', '## Errors', '', ...results.errors.map((e) => `- ${e}`));
  return `${L.join('\n')}\n`;
}

const COLORS = {
  'clipgpu f32': '#1f6feb',
  'clipgpu f16': '#2da44e',
  'tfjs-webgpu f32': '#d1661f',
  'clipgpu f16 weights': '#2da44e',
  'onnxruntime-web-webgpu f32 weights': '#8250df',
};

/** Horizontal grouped bars, log10 GFLOP/s, one group per forward (or end-to-end) case. */
export function svg(results) {
  const fwd = results.rows.filter((r) => r.direction !== 'backward' && r.gflops > 0);
  const groups = [];
  for (const r of fwd) {
    const key = `${r.family} ${r.name}`;
    let g = groups.find((x) => x.key === key);
    if (!g) groups.push((g = { key, shape: r.shape, bars: [] }));
    g.bars.push({ series: `${r.impl} ${r.variant}`, v: r.gflops });
  }
  const vals = fwd.map((r) => r.gflops);
  if (!vals.length) return '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="40"><text x="10" y="25">no rows</text></svg>\n';
  const lo = Math.floor(Math.log10(Math.min(...vals)));
  const hi = Math.ceil(Math.log10(Math.max(...vals)));
  const left = 300;
  const width = 560;
  const barH = 9;
  const top = 56;
  let y = top;
  const body = [];
  const x = (v) => left + ((Math.log10(v) - lo) / Math.max(1, hi - lo)) * width;
  for (const g of groups) {
    const h = g.bars.length * barH + 8;
    body.push(
      `<text x="${left - 8}" y="${y + h / 2}" text-anchor="end" font-size="11" dominant-baseline="middle">${esc(g.key)} <tspan fill="#666">${esc(g.shape)}</tspan></text>`,
    );
    g.bars.forEach((b, i) => {
      const by = y + i * barH;
      const w = Math.max(1, x(b.v) - left);
      body.push(
        `<rect x="${left}" y="${by}" width="${w.toFixed(1)}" height="${barH - 1}" fill="${COLORS[b.series] ?? '#888'}"><title>${esc(`${b.series}: ${fmt(b.v)} GFLOP/s`)}</title></rect>`,
      );
      body.push(`<text x="${left + w + 3}" y="${by + barH - 2}" font-size="8" fill="#333">${fmt(b.v)}</text>`);
    });
    y += h;
  }
  const height = y + 30;
  const grid = [];
  for (let p = lo; p <= hi; p++) {
    const gx = x(10 ** p);
    grid.push(
      `<line x1="${gx}" y1="${top - 6}" x2="${gx}" y2="${y}" stroke="#ddd"/>`,
      `<text x="${gx}" y="${y + 14}" font-size="10" text-anchor="middle">${10 ** p >= 1 ? 10 ** p : (10 ** p).toFixed(-p)}</text>`,
    );
  }
  const present = [...new Set(groups.flatMap((g) => g.bars.map((b) => b.series)))];
  const legend = present.map(
    (k, i) =>
      `<rect x="${left - 150 + i * 190}" y="30" width="10" height="10" fill="${COLORS[k] ?? '#888'}"/><text x="${left - 150 + i * 190 + 14}" y="39" font-size="11">${esc(k)}</text>`,
  );
  const title = `GFLOP/s (log scale), forward, ${results.adapter}, ${results.env}, ${results.options.quick ? 'batch 1' : 'batch 1 and 16'}, ${results.date.slice(0, 10)}; ours timed by ${results.timing}, tfjs by wall clock + read-back`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${left + width + 60}" height="${height}" font-family="sans-serif">`,
    '<rect width="100%" height="100%" fill="white"/>',
    `<text x="10" y="18" font-size="12" font-weight="bold">${esc(title)}</text>`,
    ...legend,
    ...grid,
    ...body,
    `<text x="${left + width / 2}" y="${height - 4}" font-size="10" text-anchor="middle">GFLOP/s</text>`,
    '</svg>',
    '',
  ].join('\n');
}
