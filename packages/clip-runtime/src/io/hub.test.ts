// `pnpm weights fetch` against a local server that mimics the Hugging Face Hub's endpoints
// (/api/models/<repo>/tree/<rev>, /<repo>/resolve/<rev>/<file> with Range, X-Linked-Size and
// X-Linked-ETag), serving the tiny fixture model: a full fetch, an interrupted download that
// resumes with a Range request, a corrupted file that fails the sha256 check, and the offline error.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchModel, hubModelFiles } from './hub-cache.node.js';
import { isRepoId } from './hub.js';
import { TINY } from '../testing/toy-model.js';

const FIXTURE = TINY;
const REPO = 'clipgpu-test/tiny-quickgelu';
const files: Record<string, Buffer> = {
  'config.json': readFileSync(path.join(FIXTURE, 'config.json')),
  'model.safetensors': readFileSync(path.join(FIXTURE, 'model.safetensors')),
};
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const LFS = new Set(['model.safetensors']);

interface Behaviour {
  /** cut the connection after this many bytes of a full download of model.safetensors, once */
  cutAfter?: number;
  /** serve model.safetensors with a flipped byte (the advertised hash stays the real one) */
  corrupt?: boolean;
}
let behaviour: Behaviour = {};
const ranges: string[] = [];
let server: Server;
let hubUrl: string;
let cache: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    const tree = url.pathname.match(/^\/api\/models\/(.+)\/tree\/([^/]+)$/);
    if (tree) {
      if (tree[1] !== REPO) return void res.writeHead(404, { 'X-Error-Code': 'RepositoryNotFound' }).end('{}');
      const list = Object.entries(files).map(([p, b]) => ({
        type: 'file',
        path: p,
        size: b.length,
        oid: createHash('sha1').update(b).digest('hex'),
        ...(LFS.has(p) ? { lfs: { oid: sha256(b), size: b.length, pointerSize: 134 } } : {}),
      }));
      return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(list));
    }
    const m = url.pathname.match(/^\/(.+?\/.+?)\/resolve\/([^/]+)\/(.+)$/);
    if (!m || m[1] !== REPO || !files[m[3]!]) return void res.writeHead(404, { 'X-Error-Code': 'EntryNotFound' }).end();
    const name = m[3]!;
    const real = files[name]!;
    let body = real;
    if (behaviour.corrupt && name === 'model.safetensors') {
      body = Buffer.from(real);
      body[body.length - 10] ^= 0xff;
    }
    const headers: Record<string, string> = { ETag: `"${createHash('sha1').update(real).digest('hex')}"`, 'Accept-Ranges': 'bytes' };
    if (LFS.has(name)) Object.assign(headers, { 'X-Linked-Size': String(real.length), 'X-Linked-ETag': `"${sha256(real)}"` });
    const range = req.headers.range?.match(/^bytes=(\d+)-(\d*)$/);
    if (req.headers.range) ranges.push(`${name} ${req.headers.range}`);
    if (range) {
      const start = Number(range[1]);
      const end = range[2] ? Number(range[2]) : body.length - 1;
      res.writeHead(206, {
        ...headers,
        'Content-Range': `bytes ${start}-${end}/${body.length}`,
        'Content-Length': String(end - start + 1),
      });
      return void res.end(body.subarray(start, end + 1));
    }
    res.writeHead(200, { ...headers, 'Content-Length': String(body.length) });
    if (behaviour.cutAfter && name === 'model.safetensors') {
      const n = behaviour.cutAfter;
      behaviour.cutAfter = undefined;
      res.write(body.subarray(0, n), () => setTimeout(() => res.destroy(), 50));
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hubUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cache = mkdtempSync(path.join(tmpdir(), 'clipgpu-hub-'));
});

afterAll(() => {
  server?.close();
  if (cache) rmSync(cache, { recursive: true, force: true });
});

const dirOf = (root: string) => path.join(root, ...REPO.split('/'));

describe('weights fetch', () => {
  it('recognizes repo ids', () => {
    expect(isRepoId('openai/clip-vit-base-patch32')).toBe(true);
    expect(isRepoId('./weights/x')).toBe(false);
    expect(isRepoId('/abs/path')).toBe(false);
  });

  it('downloads config and weights with size and sha256 checks, then serves them from the cache', async () => {
    behaviour = {};
    const root = path.join(cache, 'full');
    const { dir, files: got } = await fetchModel(REPO, { hubUrl, cacheDir: root });
    expect(dir).toBe(dirOf(root));
    expect(got.map((f) => [f.path, f.downloaded, !!f.sha256])).toEqual([
      ['config.json', true, false],
      ['model.safetensors', true, true],
    ]);
    for (const [name, b] of Object.entries(files)) expect(sha256(readFileSync(path.join(dir, name)))).toBe(sha256(b));
    const again = await fetchModel(REPO, { hubUrl, cacheDir: root });
    expect(again.files.every((f) => !f.downloaded)).toBe(true);
    const mf = await hubModelFiles(REPO, { hubUrl: 'http://127.0.0.1:1', cacheDir: root }); // cached: no network needed
    expect(await mf.has('model.safetensors')).toBe(true);
  });

  it('resumes an interrupted download with a Range request', async () => {
    const root = path.join(cache, 'resume');
    behaviour = { cutAfter: 100_000 };
    await expect(fetchModel(REPO, { hubUrl, cacheDir: root, attempts: 1 })).rejects.toThrow();
    const part = path.join(dirOf(root), 'model.safetensors.part');
    const partial = statSync(part).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(files['model.safetensors']!.length);
    ranges.length = 0;
    const { files: got } = await fetchModel(REPO, { hubUrl, cacheDir: root });
    expect(ranges).toContain(`model.safetensors bytes=${partial}-`);
    expect(got.find((f) => f.path === 'model.safetensors')?.downloaded).toBe(true);
    expect(sha256(readFileSync(path.join(dirOf(root), 'model.safetensors')))).toBe(sha256(files['model.safetensors']!));
    expect(existsSync(part)).toBe(false);
  });

  it('rejects a corrupted file by its sha256 and keeps nothing of it', async () => {
    const root = path.join(cache, 'corrupt');
    behaviour = { corrupt: true };
    await expect(fetchModel(REPO, { hubUrl, cacheDir: root })).rejects.toThrow(/model\.safetensors: sha256 [0-9a-f]{64} does not match/);
    expect(existsSync(path.join(dirOf(root), 'model.safetensors'))).toBe(false);
    expect(existsSync(path.join(dirOf(root), 'model.safetensors.part'))).toBe(false);
    behaviour = {};
  });

  it('says in one line what to fetch and from where when offline', async () => {
    const root = path.join(cache, 'offline');
    const err = await hubModelFiles('openai/clip-vit-base-patch32', { hubUrl: 'http://127.0.0.1:1', cacheDir: root }).catch(
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(Error);
    const msg = (err as Error).message;
    expect(msg).not.toContain('\n');
    expect(msg).toContain('pnpm weights fetch openai/clip-vit-base-patch32');
    expect(msg).toContain('http://127.0.0.1:1/openai/clip-vit-base-patch32');
  });
});
