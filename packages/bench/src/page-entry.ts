// Page entry of the suite (bundled by run.mjs, served with page.html): options from the URL hash
// (JSON), progress to console.log, results to window.__clipgpuBenchDone when the harness exposed it
// (and to window.__clipgpuBenchResults either way). The autotuner caches its winner in IndexedDB.
import type { BenchOptions, Results } from './core.js';
import { runSuite } from './suite.js';
import { indexedDbStore } from './tune.js';

type W = { __clipgpuBenchDone?: (r: Results | { error: string }) => void; __clipgpuBenchResults?: Results };
const w = globalThis as unknown as W;
const pre = document.getElementById('log');
const log = (l: string) => {
  console.log(l);
  if (pre) pre.textContent += `${l}\n`;
};
try {
  const hash = decodeURIComponent(location.hash.slice(1));
  const options = (hash ? JSON.parse(hash) : {}) as Partial<BenchOptions>;
  const results = await runSuite(options, { env: 'chromium', tuneStore: indexedDbStore(), userAgent: navigator.userAgent }, log);
  w.__clipgpuBenchResults = results;
  w.__clipgpuBenchDone?.(results);
} catch (e) {
  const error = (e as Error)?.stack || String(e);
  log(`ERROR ${error}`);
  w.__clipgpuBenchDone?.({ error });
}
