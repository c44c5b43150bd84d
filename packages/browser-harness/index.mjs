// The browser harness, one copy for the browser test suite (test/browser/run.mjs), the demo's
// server and end-to-end test (packages/demo, test/demo/e2e.mjs) and the benchmark driver
// (packages/bench/src/run.mjs): a static server on 127.0.0.1 and headless Chromium with WebGPU.
export { serve, serveFolder, MIME_TYPES } from './server.mjs';
export { CHROMIUM, chromiumArgs, launchChromium, wantsGpu } from './chromium.mjs';
