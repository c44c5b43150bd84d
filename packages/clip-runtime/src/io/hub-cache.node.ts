// Hugging Face Hub models in Node: downloaded into a cache folder, <cacheDir>/<repo>/, with resume
// (a .part file continued by an HTTP Range request), then checked against the hub's size and, for
// LFS files, sha256. Listing and download info come from @huggingface/hub (listFiles,
// fileDownloadInfo). The browser build replaces this module with hub-cache.browser.ts.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import path from 'node:path';
import type { ModelFiles } from './files.js';
import { EXTRA_FILES, HUB_URL, isRepoId, notFetchedError, WEIGHT_FILES, type FetchedFile, type HubOptions } from './hub.js';
import { folderFiles } from './local.node.js';

const hubClient = () => import('@huggingface/hub');
const unquote = (s: string | undefined) => s?.replace(/^W\//, '').replace(/^"|"$/g, '');

/** Where downloads go: $CLIPGPU_WEIGHTS, else ./weights (from the repository's root, its weights/). */
export async function defaultCacheDir(): Promise<string> {
  return process.env.CLIPGPU_WEIGHTS || path.resolve('weights');
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
  await fs.writeFile(
    path.join(dir, '.clipgpu-fetch.json'),
    `${JSON.stringify({ repo, revision: o.revision ?? 'main', hubUrl: o.hubUrl ?? HUB_URL, files: files.map(({ url: _, ...f }) => f) }, null, 2)}\n`,
  );
  return { dir, files: out };
}

/** One file to dest via dest.part: Range-resumed, size- and sha256-checked, then renamed. */
async function download(f: Planned, dest: string, o: HubOptions, progress: (n: number) => void): Promise<void> {
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
          throw Object.assign(
            new Error(`${f.path}: sha256 ${got} does not match the hub's ${f.sha256} (corrupted download removed; fetch again)`),
            { fatal: true },
          );
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
 * The files of a hub model through the cache folder, <cacheDir>/<repo>/ (fetched first when
 * missing). Without network and cache: a one-line error.
 */
export async function hubModelFiles(repo: string, o: HubOptions = {}): Promise<ModelFiles> {
  const dir = path.join(o.cacheDir ?? (await defaultCacheDir()), ...repo.split('/'));
  const complete = WEIGHT_FILES.some((f) => existsSync(path.join(dir, f))) && existsSync(path.join(dir, '.clipgpu-fetch.json'));
  if (!complete) {
    try {
      await fetchModel(repo, o);
    } catch (e) {
      if (e instanceof TypeError || /fetch failed|ENOTFOUND|ECONNREFUSED|EAI_AGAIN/.test(String((e as Error).message ?? e)))
        throw notFetchedError(repo, o.hubUrl ?? HUB_URL, e);
      throw e;
    }
  }
  return folderFiles(dir);
}
