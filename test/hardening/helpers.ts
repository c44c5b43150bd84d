// Shared helpers of the hardening tests: a seeded generator, the tiny fixture model's files, and
// checks that an error is "clear" (one line, an Error, naming a file, tensor or field).
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import { expect } from 'vitest';

export const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;
export const TINY = `${FIXTURES}clip/tiny-quickgelu`;

export const tinyFiles = () => ({
  config: readFileSync(`${TINY}/config.json`, 'utf8'),
  model: new Uint8Array(readFileSync(`${TINY}/model.safetensors`)),
});

/** mulberry32: a small seeded generator, so a failing case is reproduced from its seed. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)],
    chance: (p: number) => next() < p,
  };
}
export type Rng = ReturnType<typeof rng>;

/** The safetensors header of `bytes` as JSON, its length and the data section. */
export function splitSafetensors(bytes: Uint8Array) {
  const len = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const json = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + len)));
  return { json: json as Record<string, any>, len, data: bytes.subarray(8 + len) };
}

/** A safetensors file from header text (not necessarily valid JSON), data, and optionally a forged length. */
export function joinSafetensors(headerText: string, data: Uint8Array, forgedLength?: bigint): Uint8Array {
  const head = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + head.length + data.length);
  new DataView(out.buffer).setBigUint64(0, forgedLength ?? BigInt(head.length), true);
  out.set(head, 8);
  out.set(data, 8 + head.length);
  return out;
}

/** Types of error that mean "the code crashed" rather than "the input was refused". */
const CRASH_TYPES = ['TypeError', 'RangeError', 'ReferenceError', 'SyntaxError', 'InternalError'];

/**
 * Why `e` is not a clear error (undefined when it is): an Error, not a TypeError etc. escaping
 * from deep inside, one line, shortish, and naming one of `names` (file, tensor or field).
 */
export function unclear(e: unknown, names: RegExp): string | undefined {
  if (!(e instanceof Error)) return `threw a non-Error: ${String(e)}`;
  if (CRASH_TYPES.includes(e.name) || CRASH_TYPES.includes(e.constructor.name)) return `${e.name}: ${e.message}`;
  if (/[\n\r]/.test(e.message)) return `message is not one line: ${JSON.stringify(e.message)}`;
  if (e.message.length > 500) return `message is ${e.message.length} characters long`;
  if (!names.test(e.message)) return `message names no file/tensor/field (${names}): ${e.message}`;
  return undefined;
}

/** Rejects when `p` takes longer than `ms` (an async hang becomes a failure, not a stuck test). */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`HANG: ${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A full garbage collection: global.gc when node runs with --expose-gc, else the same function
 * fetched through V8's flags (no command-line option needed); undefined if neither works.
 */
export const gc: (() => void) | undefined = (() => {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  try {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
})();

/** JS heap in use, after a full collection when one can be forced. */
export function heapUsed(): number {
  gc?.();
  return process.memoryUsage().heapUsed;
}

export function expectNoFailures(failures: string[], total: number) {
  expect(failures.slice(0, 10), `${failures.length} of ${total} cases failed`).toEqual([]);
}
