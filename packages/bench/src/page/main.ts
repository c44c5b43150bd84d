// The benchmark page (in the demo at ./bench/, and what `pnpm bench` drives in headless Chromium):
// this device first (adapter, features, limits, then the measured peaks), the controls, and a run
// that fills the table and the roofline as rows finish. Nothing starts by itself: Run starts,
// Stop ends it after the sample in progress. Settings live in the URL's query, so a link
// reproduces a run; a run downloads as JSON (the schema `pnpm bench` writes) and as Markdown;
// saved JSON results load beside it for comparison.
// State for tests and scripts: <body data-bench="idle|running|done|stopped|error">, and
// window.__clipgpuBench.results.
import { rooflineSvg } from '../chart.js';
import type { BenchOptions, Results, Row } from '../core.js';
import { markdown, summary } from '../report.js';
import { decodeSettings, encodeSettings } from '../settings.js';
import { runSuite } from '../suite.js';
import { indexedDbStore } from '../tune.js';
import { showAdapter, showPeaks } from './device.js';
import { $, button, download, fatal } from './dom.js';
import { type Loaded, renderTable } from './table.js';

const form = $<HTMLFormElement>('settings');
const state: { results?: Results; loaded: Loaded[]; abort?: AbortController } = { loaded: [] };
(globalThis as { __clipgpuBench?: unknown }).__clipgpuBench = {
  get results() {
    return state.results;
  },
};
const setState = (s: string) => (document.body.dataset.bench = s);
const logLine = (l: string) => {
  console.log(l);
  $('log').textContent += `${l}\n`;
};

// ---- settings ⇄ form ⇄ URL ------------------------------------------------------------------------
/** settings a link may carry that have no control on the page (pnpm bench passes them): kept as given */
const { gen, match, retune } = decodeSettings(location.search);
const urlOnly = Object.fromEntries(Object.entries({ gen, match, retune }).filter(([, v]) => v !== undefined));

function readForm(): Partial<BenchOptions> {
  const checked = (name: string) =>
    Array.from(form.querySelectorAll<HTMLInputElement>(`input[name="${name}"]:checked`)).map((i) => i.value);
  const on = (name: string) => form.querySelector<HTMLInputElement>(`input[name="${name}"]`)!.checked;
  const count = (name: string) => {
    const v = form.querySelector<HTMLInputElement>(`input[name="${name}"]`)!.value;
    return v === '' ? undefined : Number(v);
  };
  const only = checked('only');
  return {
    only,
    e2e: only.includes('e2e'),
    towers: checked('towers'),
    batches: checked('batches').map(Number),
    variants: checked('variants'),
    directions: checked('directions'),
    quick: on('quick'),
    runs: count('runs'),
    warmup: count('warmup'),
    probes: on('probes'),
    tune: on('tune'),
    peers: on('peers'),
    onnx: on('onnx'),
    ...urlOnly,
  };
}

function writeForm(o: Partial<BenchOptions>): void {
  for (const input of Array.from(form.querySelectorAll<HTMLInputElement>('input'))) {
    const v = (o as Record<string, unknown>)[input.name];
    if (v === undefined) continue;
    if (input.type === 'checkbox') input.checked = Array.isArray(v) ? v.map(String).includes(input.value) : !!v;
    else input.value = String(v);
  }
}

function syncUrl(): void {
  const url = `${location.pathname}?${encodeSettings(readForm())}`;
  history.replaceState(null, '', url);
  $<HTMLAnchorElement>('share').href = url;
}

// ---- a run ----------------------------------------------------------------------------------------
function redraw(): void {
  const r = state.results;
  renderTable(r, state.loaded);
  const compared = state.loaded.flatMap((l) => l.results.rows);
  $('chart').innerHTML = rooflineSvg(r?.rows ?? [], r?.peaks ?? state.loaded[0]?.results.peaks, {
    title: r ? `${r.adapter}: arithmetic intensity vs GFLOP/s, measured ceilings` : 'roofline',
    compared,
  });
}

async function run(): Promise<void> {
  syncUrl();
  const options = readForm();
  const abort = new AbortController();
  state.abort = abort;
  state.results = undefined;
  $('log').textContent = '';
  setState('running');
  button('run').disabled = true;
  button('stop').disabled = false;
  ['dl-json', 'dl-md', 'copy'].forEach((id) => (button(id).disabled = true));
  const progress = $<HTMLProgressElement>('progress');
  progress.value = 0;
  $('status').textContent = 'Starting: a device, then the peaks…';
  try {
    const results = await runSuite(
      options,
      {
        env: /Chrom(e|ium)\//.test(navigator.userAgent) ? 'chromium' : 'browser',
        tuneStore: indexedDbStore(),
        userAgent: navigator.userAgent,
        signal: abort.signal,
        onStart: (r) => {
          state.results = r;
          showPeaks(r.peaks);
          redraw();
        },
        onRow: (_row: Row, r) => {
          state.results = r;
          redraw();
        },
        onProgress: (done, total, label) => {
          progress.value = done / total;
          $('status').textContent = `${done} of ${total} done (last: ${label})`;
        },
      },
      logLine,
    );
    state.results = results;
    const failed = results.rows.filter((r) => r.error).length;
    $('status').textContent =
      `${results.stopped ? 'Stopped' : 'Done'}: ${results.rows.length} rows${failed ? `, ${failed} failed` : ''}${results.errors.length ? `; ${results.errors.length} error(s), see the log` : ''}.`;
    setState(results.stopped ? 'stopped' : 'done');
  } catch (e) {
    logLine(`ERROR ${(e as Error)?.stack ?? e}`);
    $('status').textContent = `The run failed: ${(e as Error)?.message ?? e}`;
    setState('error');
  } finally {
    redraw();
    button('run').disabled = false;
    button('stop').disabled = true;
    ['dl-json', 'dl-md', 'copy'].forEach((id) => (button(id).disabled = !state.results));
    if (state.results) {
      const text = $<HTMLTextAreaElement>('summary');
      text.value = summary(state.results);
      text.hidden = false;
    }
  }
}

// ---- save, share, compare --------------------------------------------------------------------------
const fileBase = () => `${state.results!.adapterSlug}-${state.results!.env}`;

async function copySummary(): Promise<void> {
  const text = $<HTMLTextAreaElement>('summary');
  try {
    await navigator.clipboard.writeText(text.value);
    $('status').textContent = 'Summary copied.';
  } catch {
    text.select(); // no clipboard permission: selected, for Ctrl-C
    $('status').textContent = 'The clipboard is not available here: the summary below is selected, copy it with Ctrl-C.';
  }
}

async function loadCompared(files: FileList): Promise<void> {
  for (const f of Array.from(files)) {
    try {
      const results = JSON.parse(await f.text()) as Results;
      if (!Array.isArray(results.rows) || !results.adapter) throw new Error('not a clipgpu benchmark result (no rows or adapter)');
      state.loaded.push({ label: f.name.replace(/\.json$/, ''), results });
    } catch (e) {
      $('status').textContent = `Could not load ${f.name}: ${(e as Error).message}`;
    }
  }
  $('compared').textContent = state.loaded.length
    ? `Compared with: ${state.loaded.map((l) => `${l.label} (${l.results.adapter}, ${l.results.env}, ${l.results.date.slice(0, 10)})`).join('; ')}`
    : '';
  document.body.dataset.compared = String(state.loaded.length);
  redraw();
}

// ---- start-up --------------------------------------------------------------------------------------
async function main(): Promise<void> {
  writeForm(decodeSettings(location.search));
  syncUrl();
  form.addEventListener('change', syncUrl);
  button('run').onclick = () => void run();
  button('stop').onclick = () => {
    state.abort?.abort();
    $('status').textContent = 'Stopping after the sample in progress…';
  };
  button('dl-json').onclick = () => download(`${fileBase()}.json`, `${JSON.stringify(state.results, null, 2)}\n`, 'application/json');
  button('dl-md').onclick = () => download(`${fileBase()}.md`, markdown(state.results!), 'text/markdown');
  button('copy').onclick = () => void copySummary();
  $<HTMLInputElement>('compare').onchange = (e) => void loadCompared((e.target as HTMLInputElement).files!);
  redraw();
  const chart = $('chart');
  const tip = $('tooltip');
  chart.addEventListener('mousemove', (e) => {
    const name = (e.target as Element).getAttribute?.('data-name');
    tip.hidden = !name;
    if (!name) return;
    tip.textContent = name;
    const box = $('chart-box').getBoundingClientRect();
    tip.style.left = `${e.clientX - box.left + 12}px`;
    tip.style.top = `${e.clientY - box.top + 12}px`;
  });
  chart.addEventListener('mouseleave', () => (tip.hidden = true));

  if (!('gpu' in navigator) || !navigator.gpu) {
    document.body.dataset.gpu = 'missing';
    return fatal(
      !window.isSecureContext
        ? `WebGPU needs a secure context: open this page over https://, or from http://localhost or http://127.0.0.1 (this page is ${location.origin}).`
        : 'This browser has no WebGPU (navigator.gpu is missing), so there is nothing to measure.\n' +
            'Use Chrome or Edge 113 or newer on desktop (121+ on Android), Safari 26+, or Firefox 141+ on Windows.\n' +
            'On Linux, Chrome may need chrome://flags/#enable-unsafe-webgpu and #enable-vulkan turned on.',
    );
  }
  if (!(await showAdapter())) {
    document.body.dataset.gpu = 'no-adapter';
    return fatal(
      'WebGPU is available, but no GPU adapter was found (requestAdapter() returned null): see chrome://gpu, or update the graphics driver.',
    );
  }
  document.body.dataset.gpu = 'ready';
  button('run').disabled = false;
  setState('idle');
}

main().catch((e) => {
  fatal(`The page could not start: ${(e as Error)?.message ?? e}`);
  console.error(e);
});
