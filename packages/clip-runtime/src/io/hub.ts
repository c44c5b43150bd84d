// Models from the Hugging Face Hub by repo id ("openai/clip-vit-base-patch32"), cached: in Node
// under weights/<repo>/ (downloaded with resume: a .part file continued by an HTTP Range request,
// then checked against the hub's size and, for LFS files, sha256), in browsers in the Cache API.
// Listing and download info come from @huggingface/hub (listFiles, fileDownloadInfo), loaded only
// in Node, where downloads happen: parts of it import Node built-ins that browser bundles lack.
type HubClient = typeof import('@huggingface/hub');
const HUB_CLIENT = '@huggingface/hub';
const hubClient = (): Promise<HubClient> => import(/* @vite-ignore */ HUB_CLIENT);
import { memoryFiles, type ModelFiles } from './files.js';

export const HUB_URL = 'https://huggingface.co';

/** The files fetched for a CLIP: weights (one of the two), config and tokenizer files. */
export const WEIGHT_FILES = ['model.safetensors', 'open_clip_model.safetensors'];
export const EXTRA_FILES = ['config.json', 'open_clip_config.json', 'vocab.json', 'merges.txt', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'];

export interface HubOptions {
  revision?: string;
  /** the hub's base URL (default https://huggingface.co; tests use a local server) */
  hubUrl?: string;
  /** Node: the cache folder that holds <repo>/ (default: the repository's weights/ folder) */
  cacheDir?: string;
  fetch?: typeof fetch;
  /** bytes written so far and the total of every file being fetched */
  onProgress?: (loaded: number, total: number, file: string) => void;
  /** attempts per file when a transfer breaks off (each resumes where the last stopped; default 3) */
  attempts?: number;
}

export interface FetchedFile {
  path: string;
  size: number;
  sha256?: string;
  /** false when it was already complete in the cache */
  downloaded: boolean;
}

/** A repo id: "owner/name" (letters, digits, '-', '_', '.'). */
export function isRepoId(s: string): boolean {
  return /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/.test(s) && !s.includes('..');
}

const isNode = () => typeof process !== 'undefined' && !!process.versions?.node;
const unquote = (s: string | undefined) => s?.replace(/^W\//, '').replace(/^"|"$/g, '');

/** The one-line error for a model that is neither cached nor reachable. */
export function notFetchedError(repo: string, hubUrl: string, cause?: unknown): Error {
  const why = cause instanceof Error ? ` (${cause.message})` : '';
  return new Error(`${repo} is not in the local cache and the hub could not be reached${why}: run \`pnpm weights fetch ${repo}\` with network access (downloads from ${hubUrl}/${repo})`);
}

/** Node: weights/ of the repository this module runs from (or CLIPGPU_WEIGHTS, or ./weights). */
export async function defaultCacheDir(): Promise<string> {
  const path = await import('node:path');
  const fs = await import('node:fs');
  const url = await import('node:url');
  if (process.env.CLIPGPU_WEIGHTS) return process.env.CLIPGPU_WEIGHTS;
  let dir = path.dirname(url.fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (fs.existsSync(path.join(dir, 'weights')) && fs.existsSync(path.join(dir, 'pnpm-workspace.yaml'))) return path.join(dir, 'weights');
    dir = path.dirname(dir);
  }
  return path.resolve('weights');
}

interface Planned {
  path: string;
  size: number;
  sha256?: string;
  url: string;
}

/** Which files of the repo to fetch, with their sizes, hashes and download URLs. */
async function plan(repo: string, o: HubOptions): Promise<Planned[]> {
  const hubUrl = o.hubUrl ?? HUB_URL;
  const { fileDownloadInfo, listFiles } = await hubClient();
  const entries = new Map<string, { size: number; lfs?: { oid: string } }>();
  for await (const e of listFiles({ repo, revision: o.revision, hubUrl, fetch: o.fetch })) if (e.type === 'file') entries.set(e.path, e);
  const weights = WEIGHT_FILES.find((f) => entries.has(f));
  if (!weights) throw new Error(`${repo}: the repository has neither ${WEIGHT_FILES.join(' nor ')}`);
  if (weights === 'model.safetensors' && !entries.has('config.json')) throw new Error(`${repo}: model.safetensors without config.json`);
  const wanted = [...EXTRA_FILES.filter((f) => entries.has(f)), weights];
  const out: Planned[] = [];
  for (const p of wanted) {
    const info = await fileDownloadInfo({ repo, path: p, revision: o.revision, hubUrl, fetch: o.fetch });
    if (!info) throw new Error(`${repo}: ${p} is listed but not downloadable`);
    // LFS files: X-Linked-ETag (and the listing's lfs.oid) is the content's sha256
    const etag = unquote(info.etag);
    const sha256 = entries.get(p)!.lfs?.oid ?? (etag && /^[0-9a-f]{64}$/.test(etag) ? etag : undefined);
    out.push({ path: p, size: info.size, sha256, url: info.url });
  }
  return out;
}

/** Downloads a repo's CLIP files into <cacheDir>/<repo>/ (Node), resuming partial downloads. */
export async function fetchModel(repo: string, o: HubOptions = {}): Promise<{ dir: string; files: FetchedFile[] }> {
  if (!isRepoId(repo)) throw new Error(`'${repo}' is not a Hugging Face repo id (owner/name)`);
  const path = await import('node:path');
  const fs = await import('node:fs/promises');
  const dir = path.join(o.cacheDir ?? (await defaultCacheDir()), ...repo.split('/'));
  const files = await plan(repo, o);
  const total = files.reduce((s, f) => s + f.size, 0);
  let done = 0;
  const out: FetchedFile[] = [];
  await fs.mkdir(dir, { recursive: true });
  for (const f of files) {
    const dest = path.join(dir, f.path);
    const have = await fs.stat(dest).catch(() => null);
    if (have?.isFile() && have.size === f.size) {
      done += f.size;
      o.onProgress?.(done, total, f.path);
      out.push({ ...f, downloaded: false });
      continue;
    }
    await download(f, dest, o, (n) => o.onProgress?.(done + n, total, f.path));
    done += f.size;
    out.push({ ...f, downloaded: true });
  }
  await fs.writeFile(path.join(dir, '.clipgpu-fetch.json'), `${JSON.stringify({ repo, revision: o.revision ?? 'main', hubUrl: o.hubUrl ?? HUB_URL, files: files.map(({ url: _, ...f }) => f) }, null, 2)}\n`);
  return { dir, files: out };
}

/** One file to dest via dest.part: Range-resumed, size- and sha256-checked, then renamed. */
async function download(f: Planned, dest: string, o: HubOptions, progress: (n: number) => void): Promise<void> {
  const fs = await import('node:fs/promises');
  const { createHash } = await import('node:crypto');
  const part = `${dest}.part`;
  const attempts = o.attempts ?? 3;
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    let offset = (await fs.stat(part).catch(() => null))?.size ?? 0;
    if (offset > f.size) {
      await fs.rm(part);
      offset = 0;
    }
    try {
      if (offset < f.size) {
        const res = await (o.fetch ?? fetch)(f.url, { headers: offset ? { Range: `bytes=${offset}-` } : {} });
        if (!res.ok || !res.body) throw new Error(`${f.path}: HTTP ${res.status}`);
        if (offset && res.status !== 206) offset = 0; // the server ignored the range: start over
        const handle = await fs.open(part, offset ? 'a' : 'w');
        try {
          let n = offset;
          for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
            await handle.write(chunk);
            n += chunk.length;
            progress(n);
          }
        } finally {
          await handle.close();
        }
      }
      const size = (await fs.stat(part)).size;
      if (size !== f.size) throw new Error(`${f.path}: got ${size} bytes, the hub says ${f.size}`);
      if (f.sha256) {
        const hash = createHash('sha256');
        const h = await fs.open(part, 'r');
        try {
          for await (const chunk of h.createReadStream()) hash.update(chunk as Buffer);
        } finally {
          await h.close().catch(() => {});
        }
        const got = hash.digest('hex');
        if (got !== f.sha256) {
          await fs.rm(part, { force: true });
          throw Object.assign(new Error(`${f.path}: sha256 ${got} does not match the hub's ${f.sha256} (corrupted download removed; fetch again)`), { fatal: true });
        }
      }
      await fs.rename(part, dest);
      return;
    } catch (e) {
      lastError = e;
      if ((e as { fatal?: boolean }).fatal) throw e;
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

/**
 * The files of a hub model through the cache: in Node weights/<repo>/ (fetched first when missing),
 * in browsers the Cache API ('clipgpu-hub'). Without network and cache: a one-line error.
 */
export async function hubModelFiles(repo: string, o: HubOptions = {}): Promise<ModelFiles> {
  const hubUrl = o.hubUrl ?? HUB_URL;
  if (isNode()) {
    const path = await import('node:path');
    const fs = await import('node:fs');
    const dir = path.join(o.cacheDir ?? (await defaultCacheDir()), ...repo.split('/'));
    const complete = WEIGHT_FILES.some((f) => fs.existsSync(path.join(dir, f))) && fs.existsSync(path.join(dir, '.clipgpu-fetch.json'));
    if (!complete) {
      try {
        await fetchModel(repo, o);
      } catch (e) {
        if (e instanceof TypeError || /fetch failed|ENOTFOUND|ECONNREFUSED|EAI_AGAIN/.test(String((e as Error).message ?? e))) throw notFetchedError(repo, hubUrl, e);
        throw e;
      }
    }
    const { folderFiles } = await import('./files.js');
    return folderFiles(dir);
  }
  return browserCachedFiles(repo, o);
}

async function browserCachedFiles(repo: string, o: HubOptions): Promise<ModelFiles> {
  const hubUrl = o.hubUrl ?? HUB_URL;
  const cache = await caches.open('clipgpu-hub');
  const base = `${hubUrl}/${repo}/resolve/${encodeURIComponent(o.revision ?? 'main')}/`;
  const contents: Record<string, Blob> = {};
  const get = async (name: string, required: boolean) => {
    let res = await cache.match(base + name);
    if (!res) {
      const r = await (o.fetch ?? fetch)(base + name).catch((e) => {
        throw notFetchedError(repo, hubUrl, e);
      });
      if (!r.ok) {
        if (required) throw new Error(`${repo}: ${name}: HTTP ${r.status}`);
        return;
      }
      await cache.put(base + name, r.clone());
      res = r;
    }
    contents[name] = await res.blob();
  };
  await get('config.json', false);
  for (const w of WEIGHT_FILES) {
    await get(w, false);
    if (contents[w]) break;
  }
  for (const t of ['vocab.json', 'merges.txt']) await get(t, false);
  if (!WEIGHT_FILES.some((w) => contents[w])) throw new Error(`${repo}: no ${WEIGHT_FILES.join(' or ')} on the hub`);
  return memoryFiles(contents, `${hubUrl}/${repo}`);
}
