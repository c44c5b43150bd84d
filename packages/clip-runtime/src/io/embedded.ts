// The embedded models and OpenAI's CLIP vocabulary, shipped in the package's assets/ folder. Each
// file is named by a literal `new URL('…', import.meta.url)`, the pattern Vite and webpack follow
// to copy an asset into a page's build; Node reads the same URLs from disk.
import type { ModelFiles } from './files.js';
import { assetPath, folderFiles } from './local.node.js';
import { urlSource } from './safetensors-read.js';

const ASSETS = {
  'clipgpu-tiny': {
    'config.json': new URL('../../assets/clipgpu-tiny/config.json', import.meta.url),
    'model.safetensors': new URL('../../assets/clipgpu-tiny/model.safetensors', import.meta.url),
    'vocab.json': new URL('../../assets/clipgpu-tiny/vocab.json', import.meta.url),
    'merges.txt': new URL('../../assets/clipgpu-tiny/merges.txt', import.meta.url),
    'labels.json': new URL('../../assets/clipgpu-tiny/labels.json', import.meta.url),
  },
  'decoder-tiny': {
    'config.json': new URL('../../assets/decoder-tiny/config.json', import.meta.url),
    'decoder.safetensors': new URL('../../assets/decoder-tiny/decoder.safetensors', import.meta.url),
  },
  'clip-bpe': {
    'bpe_simple_vocab_16e6.txt.gz': new URL('../../assets/clip-bpe/bpe_simple_vocab_16e6.txt.gz', import.meta.url),
  },
} as const;

/** clipgpu-tiny (a CLIP), decoder-tiny (a decoder for guided generation), clip-bpe (OpenAI's vocabulary). */
export type EmbeddedName = keyof typeof ASSETS;
export const EMBEDDED_NAMES = Object.keys(ASSETS) as EmbeddedName[];

const isNode = () => typeof process !== 'undefined' && !!process.versions?.node;

function checkName(name: string): asserts name is EmbeddedName {
  if (!(name in ASSETS)) throw new Error(`'${name}' is not an embedded model; the package ships ${EMBEDDED_NAMES.join(', ')}`);
}

/** Node: the folder that holds an embedded model's files. */
export function embeddedModelPath(name: EmbeddedName): string {
  checkName(name);
  if (!isNode())
    throw new Error(
      `embeddedModelPath('${name}') is a path on disk, which exists in Node only; in a browser use embeddedModelFiles('${name}')`,
    );
  const first = Object.values(ASSETS[name])[0]!;
  return assetPath(new URL('.', first));
}

/** The URL each file of an embedded model is served from (in a page: where the bundler put it). */
export function embeddedModelUrls(name: EmbeddedName): Readonly<Record<string, URL>> {
  checkName(name);
  return ASSETS[name];
}

/** An embedded model's files: from disk in Node, fetched from their asset URLs in a browser. */
export async function embeddedModelFiles(name: EmbeddedName): Promise<ModelFiles> {
  checkName(name);
  const urls = ASSETS[name];
  if (isNode() && Object.values(urls)[0]!.protocol === 'file:') return folderFiles(embeddedModelPath(name));
  return assetUrlFiles(name, urls);
}

/**
 * Files fetched each from its own URL, since a bundler names every asset on its own (webpack:
 * a content hash). A missing one fails with what to set up, not a bare 404.
 */
function assetUrlFiles(name: string, urls: Readonly<Record<string, URL>>): ModelFiles {
  const url = (file: string) => {
    const u = urls[file];
    if (!u) throw new Error(`embedded ${name}: no file '${file}'`);
    return u.href;
  };
  const missing = (file: string, why: string) =>
    new Error(
      `embedded ${name}: ${file} is not served at ${url(file)} (${why}). The page's bundle did not carry @clipgpu/clip-runtime's asset files. ` +
        "Vite and webpack 5 copy them by default (they follow new URL(…, import.meta.url)); in Vite's dev server, set optimizeDeps: { exclude: ['@clipgpu/clip-runtime'] }. " +
        `esbuild does not copy them: copy node_modules/@clipgpu/clip-runtime/assets/${name}/ into your site and pass its URL, e.g. loadClip('/models/${name}/').`,
    );
  const get = async (file: string) => {
    const res = await fetch(url(file)).catch((e: Error) => {
      throw missing(file, e.message);
    });
    if (!res.ok) throw missing(file, `HTTP ${res.status}`);
    return res;
  };
  return {
    label: `embedded ${name}`,
    has: async (file) => file in urls,
    text: async (file) => (await get(file)).text(),
    bytes: async (file) => new Uint8Array(await (await get(file)).arrayBuffer()),
    source: async (file) =>
      urlSource(url(file)).catch((e: Error) => {
        throw missing(file, e.message);
      }),
  };
}
