// "This device": the adapter's vendor, architecture, features and limits, as webgpureport.org shows
// them, straight from navigator.gpu.requestAdapter(); and the peaks once a run has measured them.
import type { Peaks } from '../core.js';
import { fmt } from '../report.js';
import { $ } from './dom.js';

export async function showAdapter(): Promise<GPUAdapter | null> {
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) return null;
  const info = adapter.info ?? ({} as GPUAdapterInfo);
  const facts: [string, string][] = [
    ['vendor', info.vendor || '–'],
    ['architecture', info.architecture || '–'],
    ['device', info.device || '–'],
    ['description', info.description || '–'],
    ['browser', navigator.userAgent],
  ];
  $('adapter').replaceChildren(
    ...facts.flatMap(([k, v]) => {
      const [dt, dd] = [document.createElement('dt'), document.createElement('dd')];
      dt.textContent = k;
      dd.textContent = v;
      return [dt, dd];
    }),
  );
  const features = [...adapter.features].sort();
  $('features-title').textContent = `Features (${features.length})`;
  $('features').replaceChildren(
    ...features.map((f) => {
      const li = document.createElement('li');
      li.textContent = f;
      return li;
    }),
  );
  const limits: [string, number][] = [];
  for (const k in adapter.limits) {
    const v = (adapter.limits as unknown as Record<string, unknown>)[k];
    if (typeof v === 'number') limits.push([k, v]);
  }
  $('limits').replaceChildren(
    ...limits.sort().map(([k, v]) => {
      const tr = document.createElement('tr');
      tr.innerHTML = '<td class="text"></td><td></td>';
      tr.cells[0].textContent = k;
      tr.cells[1].textContent = v.toLocaleString('en');
      return tr;
    }),
  );
  $('timing-note').textContent = features.includes('timestamp-query')
    ? 'timestamp-query: yes, so our kernels are timed by GPU timestamps (peers, which cannot be, by wall clock).'
    : 'This device has no timestamp-query: every time here is wall clock around the launches and a read-back, which adds a round trip to each sample.';
  return adapter;
}

export function showPeaks(p: Peaks | undefined): void {
  $('peaks').textContent = p
    ? `Measured peaks (${p.timing}): ${fmt(p.gflops)} GFLOP/s by the FMA probe, ${fmt(p.gbps)} GB/s by the read-reduce probe (${fmt(p.bandwidth.bytes / 2 ** 20)} MiB); ridge point ${fmt(p.gflops / p.gbps)} FLOP/B.`
    : 'Peaks: not measured in this run.';
  document.body.dataset.peaks = p ? 'measured' : 'none';
}
