// Models from the Hugging Face Hub by repo id ("openai/clip-vit-base-patch32"), cached: in Node in
// a folder (hub-cache.node.ts: resumable, size- and hash-checked downloads), in browsers in the
// Cache API (hub-cache.browser.ts).

export const HUB_URL = 'https://huggingface.co';

/** The files fetched for a CLIP: weights (one of the two), config and tokenizer files. */
export const WEIGHT_FILES = ['model.safetensors', 'open_clip_model.safetensors'];
export const EXTRA_FILES = [
  'config.json',
  'open_clip_config.json',
  'vocab.json',
  'merges.txt',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
];

export interface HubOptions {
  revision?: string;
  /** the hub's base URL (default https://huggingface.co; tests use a local server) */
  hubUrl?: string;
  /** Node: the cache folder that holds <repo>/ (default: $CLIPGPU_WEIGHTS, else ./weights) */
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

/** The one-line error for a model that is neither cached nor reachable. */
export function notFetchedError(repo: string, hubUrl: string, cause?: unknown): Error {
  const why = cause instanceof Error ? ` (${cause.message})` : '';
  return new Error(
    `${repo} is not in the local cache and the hub could not be reached${why}: run \`npx clipgpu weights fetch ${repo}\` with network access (in the clipgpu repository: \`pnpm weights fetch ${repo}\`); it downloads from ${hubUrl}/${repo}`,
  );
}
