// A tiny static server on 127.0.0.1 (a random free port) for the browser tests: it serves a fixed
// set of in-memory files and nothing else. http://127.0.0.1 is a secure context, which WebGPU needs.
import { createServer } from 'node:http';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/**
 * @param {Map<string, string | Uint8Array>} files  URL path ("/index.html") → contents
 * @returns {Promise<{ url: string, close: () => Promise<void>, misses: string[] }>}
 */
export async function serve(files) {
  const misses = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const key = path === '/' ? '/index.html' : path;
    const body = files.get(key);
    if (body === undefined) {
      misses.push(path);
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
      return;
    }
    const ext = key.slice(key.lastIndexOf('.'));
    const headers = { 'content-type': TYPES[ext] ?? 'application/octet-stream', 'cache-control': 'no-store', 'accept-ranges': 'bytes' };
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    // HEAD and byte ranges, as a CDN serves model files (the loader streams tensors by range)
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range) {
      const start = Number(range[1]);
      const end = Math.min(range[2] ? Number(range[2]) : bytes.length - 1, bytes.length - 1);
      res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${bytes.length}`, 'content-length': end - start + 1 });
      res.end(req.method === 'HEAD' ? undefined : bytes.subarray(start, end + 1));
      return;
    }
    res.writeHead(200, { ...headers, 'content-length': bytes.length }).end(req.method === 'HEAD' ? undefined : bytes);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${port}/`,
    misses,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
