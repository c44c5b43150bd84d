// A small static server on 127.0.0.1 (http://127.0.0.1 is a secure context, which WebGPU and the
// Cache API need): in-memory files (a Map of URL path → contents) and/or one folder on disk, with
// HEAD and byte ranges as a CDN serves model files (the loaders read tensors by range). In-memory
// files win over the folder. Every 404 is recorded in `misses`, for tests that want none.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

export const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
};

/**
 * @param {{ files?: Map<string, string | Uint8Array>, dir?: string, port?: number }} opts
 *   files: URL path ("/index.html") → contents; dir: a folder served below them; port 0 (default): a free one
 * @returns {Promise<{ url: string, close: () => Promise<void>, misses: string[] }>}
 */
export async function serve({ files = new Map(), dir, port = 0 } = {}) {
  const misses = [];
  const server = createServer((req, res) => {
    let path;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    const key = path.endsWith('/') ? `${path}index.html` : path;
    const body = files.get(key);
    let size;
    let file;
    if (body !== undefined) size = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    else if (dir) {
      file = normalize(join(dir, key));
      const st = (file === dir || file.startsWith(dir + sep)) && statSync(file, { throwIfNoEntry: false });
      if (st?.isFile()) size = st.size;
    }
    if (size === undefined) {
      misses.push(path);
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
      return;
    }
    const headers = {
      'content-type': MIME_TYPES[extname(key).toLowerCase()] ?? 'application/octet-stream',
      'cache-control': 'no-cache',
      'accept-ranges': 'bytes',
    };
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    let start = 0;
    let end = size - 1;
    if (range) {
      start = Number(range[1]);
      end = Math.min(range[2] ? Number(range[2]) : size - 1, size - 1);
      if (start > end) {
        res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
        return;
      }
      res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${size}`, 'content-length': end - start + 1 });
    } else res.writeHead(200, { ...headers, 'content-length': size });
    if (req.method === 'HEAD' || size === 0) res.end();
    else if (body !== undefined) res.end((typeof body === 'string' ? Buffer.from(body) : body).subarray(start, end + 1));
    else
      createReadStream(file, { start, end })
        .on('error', () => res.destroy())
        .pipe(res);
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', ok);
  });
  const { port: bound } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${bound}/`,
    misses,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections?.();
        server.close(() => ok());
      }),
  };
}

/** One folder on disk (the demo's dist/). */
export const serveFolder = (dir, { port = 0 } = {}) => serve({ dir, port });
