// Where a model's files come from: a folder (Node), a base URL (browser or Node with fetch), or
// in-memory contents. Each gives the same small interface to the loader.
import { folderFiles } from './local.node.js';
import { blobSource, bytesSource, urlSource, type ByteSource } from './safetensors-read.js';

export interface ModelFiles {
  /** a name for messages: the folder, URL or '<memory>' */
  readonly label: string;
  has(name: string): Promise<boolean>;
  text(name: string): Promise<string>;
  bytes(name: string): Promise<Uint8Array>;
  source(name: string): Promise<ByteSource & { close?(): Promise<void> }>;
}

/** In-memory files by name: strings, bytes, Blobs, or already-parsed JSON objects. */
export type FileContents = Record<string, string | Uint8Array | ArrayBuffer | Blob | object>;

const isNode = () => typeof process !== 'undefined' && !!process.versions?.node;

export function memoryFiles(files: FileContents, label = '<memory>'): ModelFiles {
  const get = (name: string) => {
    const v = files[name];
    if (v === undefined) throw new Error(`${label}: no file '${name}'`);
    return v;
  };
  const toBytes = async (v: unknown): Promise<Uint8Array> =>
    v instanceof Uint8Array
      ? v
      : v instanceof ArrayBuffer
        ? new Uint8Array(v)
        : typeof Blob !== 'undefined' && v instanceof Blob
          ? new Uint8Array(await v.arrayBuffer())
          : new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
  return {
    label,
    has: async (name) => files[name] !== undefined,
    text: async (name) => {
      const v = get(name);
      return typeof v === 'string'
        ? v
        : v instanceof Uint8Array || v instanceof ArrayBuffer || (typeof Blob !== 'undefined' && v instanceof Blob)
          ? new TextDecoder().decode(await toBytes(v))
          : JSON.stringify(v);
    },
    bytes: async (name) => toBytes(get(name)),
    source: async (name) => {
      const v = get(name);
      if (typeof Blob !== 'undefined' && v instanceof Blob) return blobSource(v, name);
      return bytesSource(await toBytes(v), name);
    },
  };
}

export function urlFiles(base: string, fetchImpl: typeof fetch = fetch): ModelFiles {
  const root = base.endsWith('/') ? base : `${base}/`;
  const get = async (name: string) => {
    const res = await fetchImpl(root + name);
    if (!res.ok) throw new Error(`${root + name}: HTTP ${res.status}`);
    return res;
  };
  return {
    label: root,
    has: async (name) => {
      const res = await fetchImpl(root + name, { method: 'HEAD' }).catch(() => null);
      return !!res?.ok;
    },
    text: async (name) => (await get(name)).text(),
    bytes: async (name) => new Uint8Array(await (await get(name)).arrayBuffer()),
    source: async (name) => urlSource(root + name, { fetch: fetchImpl }),
  };
}

/** A folder path in Node, a URL (http:, https:, relative in a browser), or in-memory contents. */
export async function resolveFiles(source: string | FileContents | ModelFiles): Promise<ModelFiles> {
  if (typeof source !== 'string')
    return 'has' in source && typeof source.has === 'function' ? (source as ModelFiles) : memoryFiles(source as FileContents);
  if (/^(https?:|blob:|data:)/.test(source) || !isNode()) return urlFiles(source);
  return folderFiles(source);
}
