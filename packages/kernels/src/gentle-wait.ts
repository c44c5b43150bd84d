// Dawn's Node binding waits for the GPU by re-queueing a poll with setImmediate for as long as any
// GPU promise (mapAsync, onSubmittedWorkDone, popErrorScope) is pending: a busy loop that keeps a
// core at 100%. SwiftShader computes on the CPU, so on a 2-core machine that loop took a third of
// its throughput (a training step 1.45× slower). While our GPU promises are pending, and after the
// first millisecond of a wait (so that short waits on a real GPU keep their latency), Dawn's
// setImmediate is served by a 1 ms timer instead. In a browser there is no setImmediate: no-op.

type Immediate = typeof setImmediate;
const SPIN_MS = 1;

let pending = 0;
let original: Immediate | undefined;
let since = 0;

const enabled = () =>
  typeof globalThis.setImmediate === 'function' &&
  typeof process !== 'undefined' &&
  !!process.versions?.node &&
  process.env.CLIPGPU_BUSY_WAIT !== '1';

function gentle(callback: (...args: unknown[]) => void, ...args: unknown[]) {
  if (performance.now() - since < SPIN_MS) return (original as (...a: unknown[]) => unknown)(callback, ...args);
  return setTimeout(callback, 1, ...args);
}

/** `promise`, with Dawn's polling for it throttled while it is pending (see above). */
export function gentleWait<T>(promise: Promise<T>): Promise<T> {
  if (!enabled()) return promise;
  if (pending++ === 0) {
    original = globalThis.setImmediate;
    since = performance.now();
    globalThis.setImmediate = gentle as unknown as Immediate;
  }
  const done = () => {
    if (--pending === 0 && original) {
      globalThis.setImmediate = original;
      original = undefined;
    }
  };
  return promise.then(
    (v) => (done(), v),
    (e) => {
      done();
      throw e;
    },
  );
}
