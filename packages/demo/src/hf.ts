// Model files from the Hugging Face Hub, downloaded once with progress and kept in the browser's
// Cache API, so a second visit loads from disk without touching the network.
//
//   const files = huggingFaceFiles('openai/clip-vit-base-patch32', { onProgress: (f, got, total) => … });
//   const clip = await loadClip(files);
//
// The loader asks only for what it needs (config.json, model.safetensors, vocab.json, merges.txt);
// each file is fetched whole from https://huggingface.co/<repo>/resolve/<revision>/<file>.
import { blobSource, type ModelFiles } from '@clipgpu/clip-runtime';

export interface HubOptions {
  /** default 'main' */
  revision?: string;
  /** default 'https://huggingface.co' (a mirror, or a local server in tests) */
  endpoint?: string;
  /** the Cache API bucket (default 'clipgpu-models-v1'); null to skip caching */
  cacheName?: string | null;
  /** bytes of `file` received so far; total is 0 when the server does not say */
  onProgress?: (file: string, loaded: number, total: number, fromCache: boolean) => void;
}

const REPO = /^[\w.-]+\/[\w.-]+$/;

export function huggingFaceFiles(repo: string, opts: HubOptions = {}): ModelFiles {
  if (!REPO.test(repo)) throw new Error(`'${repo}' is not a Hugging Face repo id (like openai/clip-vit-base-patch32)`);
  const endpoint = (opts.endpoint ?? 'https://huggingface.co').replace(/\/$/, '');
  const base = `${endpoint}/${repo}/resolve/${encodeURIComponent(opts.revision ?? 'main')}/`;
  const cacheName = opts.cacheName === undefined ? 'clipgpu-models-v1' : opts.cacheName;
  // the Cache API exists only in secure contexts (https:, localhost)
  const cache = cacheName && typeof caches !== 'undefined' ? caches.open(cacheName).catch(() => null) : Promise.resolve(null);
  const blobs = new Map<string, Promise<Blob>>();
  const missing = new Set<string>();

  async function download(name: string): Promise<Blob> {
    const url = base + name;
    const c = await cache;
    const hit = await c?.match(url);
    if (hit) {
      const blob = await hit.blob();
      opts.onProgress?.(name, blob.size, blob.size, true);
      return blob;
    }
    const res = await fetch(url).catch((e: Error) => {
      throw new Error(`${url}: ${e.message} (offline, or blocked by the network?)`);
    });
    if (!res.ok) {
      if (res.status === 404) missing.add(name);
      throw new Error(
        `${url}: HTTP ${res.status}${res.status === 401 || res.status === 403 ? ' (a gated or private repo needs a token; this demo loads public repos only)' : ''}`,
      );
    }
    const total = Number(res.headers.get('content-length') ?? 0);
    const chunks: Uint8Array[] = [];
    let loaded = 0;
    const reader = res.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.byteLength;
      opts.onProgress?.(name, loaded, total, false);
    }
    const blob = new Blob(chunks as BlobPart[], { type: res.headers.get('content-type') ?? 'application/octet-stream' });
    // a full disk or a private-mode quota only costs the next visit its cache
    await c
      ?.put(url, new Response(blob, { headers: { 'content-type': blob.type, 'content-length': String(blob.size) } }))
      .catch((e: Error) => {
        console.warn(`not cached (${e.message}): ${url}`);
      });
    return blob;
  }

  const get = (name: string): Promise<Blob> => {
    let p = blobs.get(name);
    if (!p) {
      p = download(name);
      p.catch(() => blobs.delete(name));
      blobs.set(name, p);
    }
    return p;
  };

  return {
    label: base,
    async has(name) {
      if (missing.has(name)) return false;
      if (blobs.has(name) || (await (await cache)?.match(base + name))) return true;
      // HEAD follows the Hub's redirect to its CDN; no body is downloaded
      const res = await fetch(base + name, { method: 'HEAD' }).catch(() => null);
      if (!res?.ok) missing.add(name);
      return !!res?.ok;
    },
    text: async (name) => (await get(name)).text(),
    bytes: async (name) => new Uint8Array(await (await get(name)).arrayBuffer()),
    source: async (name) => blobSource(await get(name), base + name),
  };
}

/** Deletes every model this demo cached (the "forget downloads" button). */
export async function clearModelCache(cacheName = 'clipgpu-models-v1'): Promise<boolean> {
  return typeof caches !== 'undefined' ? caches.delete(cacheName) : false;
}
