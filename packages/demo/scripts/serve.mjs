#!/usr/bin/env node
// `pnpm demo`: builds the demo and serves it on http://127.0.0.1:PORT/ until Ctrl-C.
//   PORT=8080 pnpm demo    (default 5173; 0 for any free port)
import { buildDemo, DIST } from './build.mjs';
import { serveFolder } from '@clipgpu/browser-harness';

await buildDemo();
const port = Number(process.env.PORT ?? 5173);
const server = await serveFolder(DIST, { port }).catch((e) => {
  console.error(e.code === 'EADDRINUSE' ? `port ${port} is in use: PORT=0 pnpm demo picks a free one` : e.message);
  process.exit(1);
});
console.log(`\nclipgpu demo: ${server.url}  (Ctrl-C to stop)`);
console.log('WebGPU needs a recent Chrome/Edge (or Safari 26, Firefox 141+ on Windows); 127.0.0.1 counts as a secure context.');
const stop = async () => {
  await server.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
