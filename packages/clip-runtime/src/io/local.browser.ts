// The browser build's stand-in for local.node.ts: a page has no file system, so each function says
// what to pass instead.
import type * as NodeTwin from './local.node.js';

const nodeOnly = (what: string, instead: string): never => {
  throw new Error(`${what} reads the local file system, which exists in Node only; in a browser ${instead}`);
};

export const fileSource: typeof NodeTwin.fileSource = async (path) =>
  nodeOnly(`fileSource('${path}')`, 'use urlSource(url) or blobSource(file)');
export const folderFiles: typeof NodeTwin.folderFiles = async (dir) =>
  nodeOnly(`folderFiles('${dir}')`, "pass the folder's URL (urlFiles) or in-memory files (memoryFiles)");
export const readLocalFile: typeof NodeTwin.readLocalFile = async (path) =>
  nodeOnly(`reading '${path}'`, 'pass a URL, a Blob or the bytes');
export const isLocalPath: typeof NodeTwin.isLocalPath = () => false;
export const assetPath: typeof NodeTwin.assetPath = (url) => nodeOnly(`assetPath('${url}')`, 'fetch the URL');
