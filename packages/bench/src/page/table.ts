// The live results table: one row per result as it finishes, sortable by any column (click its
// header), failures in their row, the peers' best time and our ratio beside our rows, and for each
// loaded result (compare) its time and the ratio to this run.
import type { Results, Row } from '../core.js';
import { fmt, peerRatios } from '../report.js';
import { $ } from './dom.js';

export interface Loaded {
  label: string;
  results: Results;
}

type Value = number | string | undefined;
interface Col {
  key: string;
  label: string;
  title?: string;
  text?: boolean;
  value: (r: Row) => Value;
}

const rowKey = (r: Row) => [r.impl, r.family, r.direction, r.name, r.variant, r.config ?? ''].join('|');
const state = { sortKey: '', dir: 1 as 1 | -1, results: undefined as Results | undefined, loaded: [] as Loaded[] };

function columns(): Col[] {
  const res = state.results;
  const ratios = new Map<Row, { peerMs: number; ratio: number; peer: string }>();
  for (const p of res ? peerRatios(res) : []) {
    ratios.set(p.ours, { peerMs: p.theirs.medianMs, ratio: p.ratio, peer: p.peer });
    if (p.ours16 && p.ratio16) ratios.set(p.ours16, { peerMs: p.theirs.medianMs, ratio: p.ratio16, peer: p.peer });
  }
  const cols: Col[] = [
    { key: 'kernel', label: 'kernel', text: true, value: (r) => `${r.family} ${r.direction}` },
    { key: 'case', label: 'case', text: true, value: (r) => r.name },
    { key: 'shape', label: 'shape', text: true, value: (r) => r.shape },
    {
      key: 'impl',
      label: 'who',
      text: true,
      value: (r) => (r.impl === 'clipgpu' ? `ours ${r.variant}` : `${r.impl}: ${r.config ?? r.variant}`),
    },
    { key: 'ms', label: 'ms (median)', value: (r) => (r.error ? undefined : r.medianMs) },
    { key: 'min', label: 'min ms', value: (r) => (r.error ? undefined : r.minMs) },
    { key: 'gflops', label: 'GFLOP/s', value: (r) => (r.error ? undefined : r.gflops) },
    { key: 'gbps', label: 'GB/s', value: (r) => (r.error || !r.bytes ? undefined : r.gbps) },
    {
      key: 'peak',
      label: '% of peak',
      title: 'of the roofline at this intensity: min(FMA peak, intensity × bandwidth peak); the cell title has % of each',
      value: (r) => r.pctRoofline ?? r.pctPeakFlops,
    },
    {
      key: 'peer',
      label: 'peer ms',
      title: "the peer's fastest config, sampled interleaved with ours",
      value: (r) => ratios.get(r)?.peerMs,
    },
    { key: 'ratio', label: 'ratio', title: "peer's time / ours (> 1: ours is faster)", value: (r) => ratios.get(r)?.ratio },
    { key: 'timing', label: 'timing', text: true, value: (r) => (r.timing === 'gpu-timestamps' ? 'GPU timestamps' : 'wall clock') },
    {
      key: 'first',
      label: 'first-run ms',
      title: 'first launch: pipeline compile + one run, wall clock',
      value: (r) => (r.error ? undefined : r.firstMs),
    },
  ];
  state.loaded.forEach((l, i) => {
    const byKey = new Map(l.results.rows.filter((r) => !r.error).map((r) => [rowKey(r), r]));
    cols.push(
      {
        key: `c${i}ms`,
        label: `${l.label} ms`,
        title: `${l.results.adapter} (${l.results.env}, ${l.results.date})`,
        value: (r) => byKey.get(rowKey(r))?.medianMs,
      },
      {
        key: `c${i}x`,
        label: `× ${l.label}`,
        title: `${l.label}'s time / this run's (> 1: this run is faster)`,
        value: (r) => {
          const o = byKey.get(rowKey(r));
          return o && !r.error && r.medianMs ? o.medianMs / r.medianMs : undefined;
        },
      },
    );
  });
  return cols;
}

const show = (c: Col, v: Value) =>
  v === undefined ? '' : typeof v === 'string' ? v : c.key === 'ratio' || c.key.endsWith('x') ? `${fmt(v)}×` : fmt(v);

export function renderTable(results: Results | undefined, loaded: Loaded[] = state.loaded): void {
  state.results = results;
  state.loaded = loaded;
  const cols = columns();
  const table = $<HTMLTableElement>('table');
  const head = document.createElement('tr');
  for (const c of cols) {
    const th = document.createElement('th');
    th.textContent = c.label;
    th.dataset.key = c.key;
    if (c.title) th.title = c.title;
    if (c.text) th.className = 'text';
    if (state.sortKey === c.key) th.dataset.sort = state.dir === 1 ? 'asc' : 'desc';
    th.onclick = () => {
      state.dir = state.sortKey === c.key ? (-state.dir as 1 | -1) : 1;
      state.sortKey = c.key;
      renderTable(state.results);
    };
    head.append(th);
  }
  table.tHead!.replaceChildren(head);
  const rows = [...(results?.rows ?? [])];
  const sortCol = cols.find((c) => c.key === state.sortKey);
  if (sortCol)
    rows.sort((a, b) => {
      const [x, y] = [sortCol.value(a), sortCol.value(b)];
      if (x === undefined || y === undefined) return x === y ? 0 : x === undefined ? 1 : -1;
      return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))) * state.dir;
    });
  table.tBodies[0].replaceChildren(
    ...rows.map((r) => {
      const tr = document.createElement('tr');
      tr.className = r.error ? 'fail' : r.impl === 'clipgpu' ? 'ours' : 'peer';
      tr.dataset.key = rowKey(r);
      for (const c of cols) {
        const td = document.createElement('td');
        td.dataset.col = c.key;
        if (c.text) td.className = 'text';
        const v = c.value(r);
        td.textContent = show(c, v);
        if (c.key === 'peak' && v !== undefined)
          td.title = `${fmt(r.pctPeakFlops)}% of peak FLOP/s, ${fmt(r.pctPeakBandwidth)}% of peak bandwidth, ${fmt(r.intensity)} FLOP/B`;
        if (typeof v === 'number') td.dataset.value = String(v);
        tr.append(td);
      }
      if (r.error) {
        tr.cells[4].textContent = 'failed';
        tr.cells[4].title = r.error;
        const msg = tr.cells[5];
        msg.colSpan = cols.length - 5;
        msg.className = 'text';
        msg.textContent = r.error;
        while (tr.cells.length > 6) tr.deleteCell(6);
      }
      return tr;
    }),
  );
}
