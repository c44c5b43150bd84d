// The benchmark page's part of the demo's end-to-end test (test/demo/e2e.mjs calls it): a quick
// run of a few rows with the tfjs peer, in headless Chromium on SwiftShader. The settings come
// from the URL and show in the form; the table and the roofline fill; a point names itself on
// hover; a column sorts; the JSON download parses and matches the table; the Markdown downloads;
// the downloaded result loads back as a comparison. A screenshot goes to docs/bench-page.png.
// Times are never asserted: SwiftShader on a shared machine says nothing about speed.
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The settings of the quick run, as a link would carry them. */
export const QUICK =
  'only=layernorm,softmax&towers=ViT-B/32&batches=1&variants=f32&directions=forward&runs=1&warmup=0&peers=1&probes=1&tune=0&quick=1&gen=0';

async function downloaded(dir, suffix, timeoutMs = 20_000) {
  const t0 = Date.now();
  for (;;) {
    const f = readdirSync(dir).find((n) => n.endsWith(suffix));
    if (f) return join(dir, f);
    if (Date.now() - t0 > timeoutMs) throw new Error(`no ${suffix} download within ${timeoutMs / 1000} s (${readdirSync(dir).join(', ')})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs the checks on `browser`; `watch` registers a page's console errors with the caller. */
export async function checkBenchPage({ browser, server, check, assert, watch, artifacts, root }) {
  const page = await browser.newPage();
  watch(page, 'bench');
  const downloads = mkdtempSync(join(tmpdir(), 'clipgpu-bench-downloads-'));
  const cdp = await page.createCDPSession();
  await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
  try {
    await check('the benchmark page restores its settings from the URL and shows the device', async () => {
      await page.goto(`${server.url}bench/?${QUICK}`);
      await page.waitForSelector('body[data-bench="idle"], body[data-bench="unavailable"]');
      assert((await page.$eval('body', (b) => b.dataset.bench)) === 'idle', await page.$eval('#fatal', (e) => e.textContent));
      const form = await page.$$eval('#settings input', (inputs) =>
        Object.fromEntries(
          inputs.map((i) => [`${i.name}${i.type === 'checkbox' ? `:${i.value}` : ''}`, i.type === 'checkbox' ? i.checked : i.value]),
        ),
      );
      for (const [k, v] of Object.entries({
        'only:matmul': false,
        'only:softmax': true,
        'only:layernorm': true,
        'towers:text': false,
        'variants:f16': false,
        runs: '1',
        warmup: '0',
      }))
        assert(form[k] === v, `form ${k} is ${form[k]}, the URL says ${v}`);
      const vendor = await page.$eval('#adapter', (e) => e.textContent);
      assert(/vendor/.test(vendor) && (await page.$$('#features li')).length > 0, `device panel: ${vendor}`);
      assert((await page.$$('#limits tr')).length > 10, 'the limits table is (nearly) empty');
      assert((await page.$eval('#run', (b) => b.disabled)) === false, 'Run is disabled');
      assert((await page.$$('#table tbody tr')).length === 0, 'rows before Run: something started by itself');
    });

    let tableRows = [];
    await check('a quick run with the tfjs peer fills the table, the roofline and the peaks', async () => {
      await page.click('#run');
      await page.waitForSelector('body[data-bench="done"], body[data-bench="error"], body[data-bench="stopped"]', { timeout: 240_000 });
      const state = await page.$eval('body', (b) => b.dataset.bench);
      assert(state === 'done', `run ended ${state}: ${await page.$eval('#status', (e) => e.textContent)}`);
      tableRows = await page.$$eval('#table tbody tr', (trs) =>
        trs.map((tr) => ({ key: tr.dataset.key, cls: tr.className, ms: Number(tr.querySelector('td[data-col="ms"]')?.dataset.value) })),
      );
      const ours = tableRows.filter((r) => r.cls === 'ours');
      const peers = tableRows.filter((r) => r.cls === 'peer');
      assert(ours.length === 2 && peers.length === 2, `rows: ${JSON.stringify(tableRows)}`);
      assert(!tableRows.some((r) => r.cls === 'fail'), 'a row failed');
      const ratios = await page.$$eval('#table td[data-col="ratio"]', (tds) => tds.map((t) => t.textContent).filter(Boolean));
      assert(ratios.length === 2 && ratios.every((t) => /×$/.test(t)), `ratios: ${ratios}`);
      assert((await page.$eval('body', (b) => b.dataset.peaks)) === 'measured', 'no peaks');
      const points = await page.$$eval('#chart .point', (ps) => ps.map((p) => p.dataset.series));
      assert(points.length === 4 && points.includes('tfjs-webgpu') && points.includes('clipgpu f32'), `points: ${points}`);
      assert((await page.$$('#chart .ceiling')).length === 1, 'no roofline ceilings drawn');
      return `: ${ratios.join(', ')} vs tfjs`;
    });

    await check('hovering a point names it; a column sorts', async () => {
      const point = await page.$('#chart .point');
      await point.hover();
      const tip = await page.$eval('#tooltip', (t) => (t.hidden ? '' : t.textContent));
      assert(/GFLOP\/s/.test(tip), `tooltip: '${tip}'`);
      await page.click('#table th[data-key="ms"]');
      const ms = await page.$$eval('#table td[data-col="ms"]', (tds) => tds.map((t) => Number(t.dataset.value)));
      assert(
        ms.every((v, i) => i === 0 || ms[i - 1] <= v),
        `not sorted by ms: ${ms}`,
      );
      await page.click('#table th[data-key="ms"]');
      const down = await page.$$eval('#table td[data-col="ms"]', (tds) => tds.map((t) => Number(t.dataset.value)));
      assert(
        down.every((v, i) => i === 0 || down[i - 1] >= v),
        `not sorted by ms, descending: ${down}`,
      );
    });

    let jsonPath;
    await check('the JSON download parses and matches the table; the Markdown downloads', async () => {
      await page.click('#dl-json');
      jsonPath = await downloaded(downloads, '.json');
      const results = JSON.parse(readFileSync(jsonPath, 'utf8'));
      assert(results.rows.length === tableRows.length, `${results.rows.length} rows in the JSON, ${tableRows.length} in the table`);
      for (const r of results.rows) {
        const key = [r.impl, r.family, r.direction, r.name, r.variant, r.config ?? ''].join('|');
        const t = tableRows.find((x) => x.key === key);
        assert(t && t.ms === r.medianMs, `row ${key}: table ${t?.ms}, JSON ${r.medianMs}`);
      }
      assert(results.peaks?.gflops > 0 && results.peaks?.gbps > 0, 'no peaks in the JSON');
      assert(
        results.options.runs === 1 && results.options.gen === false && results.env === 'chromium',
        `options ${JSON.stringify(results.options)}`,
      );
      await page.click('#dl-md');
      const md = readFileSync(await downloaded(downloads, '.md'), 'utf8');
      assert(md.startsWith('# clipgpu benchmarks') && md.includes('tfjs-webgpu'), md.slice(0, 200));
    });

    await check('a saved result loads beside the run, with a ratio column', async () => {
      const input = await page.$('#compare');
      await input.uploadFile(jsonPath);
      await page.waitForSelector('body[data-compared="1"]');
      const ratios = await page.$$eval('#table td[data-col="c0x"]', (tds) => tds.map((t) => t.textContent));
      assert(ratios.length === tableRows.length && ratios.every((t) => t === '1×'), `compare ratios: ${ratios}`);
      assert((await page.$$('#chart .point[data-series="compared"]')).length === 4, 'the loaded rows are not on the chart');
      await page.screenshot({ path: join(artifacts, 'bench-page.png'), fullPage: true });
      copyFileSync(join(artifacts, 'bench-page.png'), join(root, 'docs/bench-page.png'));
    });
  } finally {
    await page.close();
    if (existsSync(downloads)) rmSync(downloads, { recursive: true, force: true });
  }
}
