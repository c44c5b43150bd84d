// Hugging Face Hub models in a browser: fetched from the hub's resolve URLs and kept in the Cache
// API ('clipgpu-hub'). Stands in for hub-cache.node.ts in the browser build.
import { memoryFiles, type ModelFiles } from './files.js';
import { HUB_URL, notFetchedError, WEIGHT_FILES, type HubOptions } from './hub.js';
import type * as NodeTwin from './hub-cache.node.js';

export const defaultCacheDir: typeof NodeTwin.defaultCacheDir = async () => {
  throw new Error('defaultCacheDir: the download cache is a folder in Node; a browser keeps hub files in the Cache API');
};

export const fetchModel: typeof NodeTwin.fetchModel = async (repo) => {
  throw new Error(
    `fetchModel('${repo}') downloads into a folder, in Node only; in a browser loadClip('${repo}') fetches and caches the files`,
  );
};

/** The files of a hub model through the Cache API; without network and cache, a one-line error. */
export const hubModelFiles: typeof NodeTwin.hubModelFiles = (repo, o = {}) => browserCachedFiles(repo, o);

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
