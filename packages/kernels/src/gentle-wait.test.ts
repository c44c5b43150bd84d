import { describe, expect, it } from 'vitest';
import { gentleWait } from './gentle-wait.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('gentleWait', () => {
  it('serves setImmediate from a timer while GPU promises are pending, and restores it after the last', async () => {
    const original = globalThis.setImmediate;
    let resolveA!: (v: number) => void;
    let resolveB!: (v: number) => void;
    const a = gentleWait(new Promise<number>((r) => (resolveA = r)));
    const b = gentleWait(new Promise<number>((r) => (resolveB = r)));
    expect(globalThis.setImmediate).not.toBe(original);
    // past the first millisecond, a poll is deferred by a timer rather than run at once
    await sleep(5);
    const order: string[] = [];
    setImmediate(() => order.push('poll'));
    await new Promise((r) => original(r));
    expect(order).toEqual([]);
    await sleep(5);
    expect(order).toEqual(['poll']);
    resolveA(1);
    expect(await a).toBe(1);
    expect(globalThis.setImmediate).not.toBe(original); // b still pending
    resolveB(2);
    expect(await b).toBe(2);
    expect(globalThis.setImmediate).toBe(original);
  });

  it('passes rejections through and still restores setImmediate', async () => {
    const original = globalThis.setImmediate;
    await expect(gentleWait(Promise.reject(new Error('device lost')))).rejects.toThrow('device lost');
    expect(globalThis.setImmediate).toBe(original);
  });
});
