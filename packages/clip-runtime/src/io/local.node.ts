// Local files in Node: model folders, random access into weight files, and the package's own
// assets. The browser build replaces this module with local.browser.ts, which has no file system.
import { existsSync } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelFiles } from './files.js';
import { checkRange, fail, type ByteSource } from './safetensors-read.js';

/** Random access into a file, read through one open handle (close() it when done). */
export async function fileSource(path: string): Promise<ByteSource & { close(): Promise<void> }> {
  const fh = await open(path, 'r');
  const size = (await fh.stat()).size;
  return {
    size,
    label: path,
    async read(offset, length) {
      checkRange(path, size, offset, length);
      const out = new Uint8Array(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await fh.read(out, got, length - got, offset + got);
        if (bytesRead === 0) fail(path, `file ended after ${offset + got} bytes (it was ${size} bytes when opened)`);
        got += bytesRead;
      }
      return out;
    },
    close: () => fh.close(),
  };
}

/** The files of a folder. */
export async function folderFiles(dir: string): Promise<ModelFiles> {
  const st = await stat(dir).catch(() => null);
  if (!st?.isDirectory()) throw new Error(`${dir}: no such folder`);
  const at = (name: string) => join(dir, name);
  return {
    label: dir,
    has: async (name) => !!(await stat(at(name)).catch(() => null))?.isFile(),
    text: async (name) => readFile(at(name), 'utf8'),
    bytes: async (name) => new Uint8Array(await readFile(at(name))),
    source: async (name) => fileSource(at(name)),
  };
}

/** A whole file's bytes; the error names the file. */
export async function readLocalFile(path: string, what = 'file'): Promise<Uint8Array> {
  const bytes = await readFile(path).catch((e: Error) => {
    throw new Error(`${path}: cannot read the ${what}: ${e.message}`);
  });
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Whether a path names something on this machine. */
export function isLocalPath(path: string): boolean {
  return existsSync(path);
}

/** A file: URL of the package's assets as a path. */
export function assetPath(url: URL): string {
  return fileURLToPath(url);
}
