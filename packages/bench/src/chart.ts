// The roofline chart, as an SVG string (the page puts it in the DOM, the driver writes it to
// results/*.svg): arithmetic intensity (FLOPs per byte) against GFLOP/s, both log scale, with the
// measured ceilings drawn (the FMA peak flat, intensity × the bandwidth peak slanted), one point per
// row: ours as circles (f32 blue, f16 green), the peers as triangles. Each point carries its name
// in <title> (the browser shows it on hover) and in data-name. Hand-drawn: a roofline is two lines
// and a scatter on log axes, less code than a charting library's configuration.
import type { Peaks, Row } from './core.js';

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const num = (v: number) => (v >= 100 ? v.toFixed(0) : String(Number(v.toPrecision(3))));

export const SERIES: Record<string, { color: string; shape: 'circle' | 'triangle' | 'square' }> = {
  'clipgpu f32': { color: '#1f6feb', shape: 'circle' },
  'clipgpu f16': { color: '#2da44e', shape: 'circle' },
  'tfjs-webgpu': { color: '#d1661f', shape: 'triangle' },
  'onnxruntime-web': { color: '#8250df', shape: 'triangle' },
  compared: { color: '#888', shape: 'square' },
};

export const seriesOf = (r: Row) => (r.impl === 'clipgpu' ? `clipgpu ${r.variant === 'f16' ? 'f16' : 'f32'}` : r.impl);

export function rowLabel(r: Row): string {
  const who = r.impl === 'clipgpu' ? `ours ${r.variant}` : `${r.impl}${r.config ? ` (${r.config})` : ''}`;
  return `${r.family} ${r.direction} ${r.name} ${r.shape}, ${who}: ${num(r.gflops)} GFLOP/s, ${num(r.gbps)} GB/s, ${r.intensity} FLOP/B${r.pctRoofline !== undefined ? `, ${num(r.pctRoofline)}% of roofline` : ''}`;
}

export interface ChartOptions {
  width?: number;
  height?: number;
  title?: string;
  /** rows of loaded results, drawn as grey squares */
  compared?: Row[];
}

export function rooflineSvg(rows: Row[], peaks: Peaks | undefined, o: ChartOptions = {}): string {
  const W = o.width ?? 720;
  const H = o.height ?? 420;
  const pad = { l: 64, r: 16, t: 34, b: 44 };
  const pts = [
    ...rows.filter((r) => !r.error && r.intensity && r.gflops > 0).map((r) => ({ r, s: seriesOf(r) })),
    ...(o.compared ?? []).filter((r) => !r.error && r.intensity && r.gflops > 0).map((r) => ({ r, s: 'compared' })),
  ];
  const xs = [...pts.map((p) => p.r.intensity!), 0.1, 100];
  const ys = [...pts.map((p) => p.r.gflops), ...(peaks ? [peaks.gflops * 2, (peaks.gbps * 0.1) / 2] : [1, 0.01])];
  const x0 = Math.floor(Math.log10(Math.min(...xs)));
  const x1 = Math.ceil(Math.log10(Math.max(...xs)));
  const y0 = Math.floor(Math.log10(Math.min(...ys)));
  const y1 = Math.ceil(Math.log10(Math.max(...ys)));
  const X = (v: number) => pad.l + ((Math.log10(v) - x0) / (x1 - x0)) * (W - pad.l - pad.r);
  const Y = (v: number) => H - pad.b - ((Math.log10(v) - y0) / (y1 - y0)) * (H - pad.t - pad.b);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="11" class="roofline">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
  ];
  if (o.title) out.push(`<text x="${pad.l}" y="14" font-weight="bold">${esc(o.title)}</text>`);
  for (let p = x0; p <= x1; p++)
    out.push(
      `<line x1="${X(10 ** p)}" y1="${pad.t}" x2="${X(10 ** p)}" y2="${H - pad.b}" stroke="#eee"/>`,
      `<text x="${X(10 ** p)}" y="${H - pad.b + 14}" text-anchor="middle">${num(10 ** p)}</text>`,
    );
  for (let p = y0; p <= y1; p++)
    out.push(
      `<line x1="${pad.l}" y1="${Y(10 ** p)}" x2="${W - pad.r}" y2="${Y(10 ** p)}" stroke="#eee"/>`,
      `<text x="${pad.l - 6}" y="${Y(10 ** p) + 4}" text-anchor="end">${num(10 ** p)}</text>`,
    );
  out.push(
    `<text x="${(W + pad.l) / 2}" y="${H - 8}" text-anchor="middle">arithmetic intensity (FLOP per byte)</text>`,
    `<text transform="translate(14 ${(H + pad.t - pad.b) / 2}) rotate(-90)" text-anchor="middle">GFLOP/s</text>`,
  );
  if (peaks) {
    // the roofline: bandwidth-bound up to the ridge point, compute-bound after it
    const ridge = peaks.gflops / peaks.gbps;
    const left = 10 ** x0;
    const right = 10 ** x1;
    const xr = Math.min(Math.max(ridge, left), right);
    out.push(
      `<polyline class="ceiling" fill="none" stroke="#444" stroke-width="2" points="${X(left)},${Y(Math.max(left * peaks.gbps, 10 ** y0))} ${X(xr)},${Y(Math.min(xr * peaks.gbps, peaks.gflops))} ${X(right)},${Y(peaks.gflops)}"/>`,
      `<text x="${W - pad.r - 4}" y="${Y(peaks.gflops) - 6}" text-anchor="end">FMA peak ${num(peaks.gflops)} GFLOP/s</text>`,
      `<text x="${X(left) + 6}" y="${Y(Math.max(left * peaks.gbps, 10 ** y0)) - 8}">bandwidth ${num(peaks.gbps)} GB/s</text>`,
    );
  }
  for (const { r, s } of pts) {
    const st = SERIES[s] ?? SERIES.compared;
    const [cx, cy] = [X(r.intensity!), Y(r.gflops)];
    const label = esc(s === 'compared' ? `compared: ${rowLabel(r)}` : rowLabel(r));
    const mark =
      st.shape === 'circle'
        ? `<circle cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="5"`
        : st.shape === 'square'
          ? `<rect x="${(cx - 4).toFixed(1)}" y="${(cy - 4).toFixed(1)}" width="8" height="8"`
          : `<polygon points="${cx.toFixed(1)},${(cy - 6).toFixed(1)} ${(cx - 5.5).toFixed(1)},${(cy + 4).toFixed(1)} ${(cx + 5.5).toFixed(1)},${(cy + 4).toFixed(1)}"`;
    out.push(
      `${mark} class="point" data-series="${esc(s)}" data-name="${label}" fill="${st.color}" fill-opacity="0.75" stroke="#222" stroke-width="0.5"><title>${label}</title>${mark.startsWith('<circle') ? '</circle>' : mark.startsWith('<rect') ? '</rect>' : '</polygon>'}`,
    );
  }
  const present = [...new Set(pts.map((p) => p.s))];
  present.forEach((s, i) => {
    const st = SERIES[s] ?? SERIES.compared;
    out.push(
      `<rect x="${pad.l + 8 + i * 130}" y="${pad.t + 6}" width="9" height="9" fill="${st.color}"/><text x="${pad.l + 21 + i * 130}" y="${pad.t + 14}">${esc(s === 'compared' ? 'loaded result' : s)}</text>`,
    );
  });
  if (!pts.length) out.push(`<text x="${W / 2}" y="${H / 2}" text-anchor="middle" fill="#888">no rows yet</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
