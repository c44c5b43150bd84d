/// <reference types="@webgpu/types" preserve="true" />
// Helpers for kernel tests in Node and the browser: one device per test process, fresh random
// inputs (seed reported on failure), relative L2 error, NaN poisoning and finite differences.
import { writeGolden } from './golden.node.js';
import { Gpu } from './gpu.js';
import { KernelError } from './program.js';
import { mulberry32, randn } from './random.js';
import { rowSubgroupsSupported, rowTuning } from './reduce/rows.js';

export { randn, randu } from './random.js';
export * from './benchmark.js';

let shared: Promise<Gpu> | undefined;

/** The test process's Gpu. No adapter is a failure with the reason, never a skip. */
export function testGpu(): Promise<Gpu> {
  shared ??= Gpu.create().catch((e: Error) => {
    throw new Error(`kernel tests need a WebGPU adapter and none could be had: ${e.message}`);
  });
  return shared;
}

/** The seeded generator of test data (mulberry32, as the runtime uses). */
export const rng = mulberry32;

let seedCounter = 0;

/**
 * The seed for a test's random data. Deterministic by default, so CI runs the same inputs every
 * time (the n-th call in a test file gets the n-th seed); CLIPGPU_TEST_SEED=random draws fresh
 * ones to explore, and CLIPGPU_TEST_SEED=<number> replays a failure. Tests print the seed they used.
 */
export function freshSeed(): number {
  const fromEnv = typeof process !== 'undefined' ? process.env?.CLIPGPU_TEST_SEED : undefined;
  if (fromEnv === 'random') return Math.floor(Math.random() * 2 ** 31);
  if (fromEnv) return Number(fromEnv);
  seedCounter++;
  return (Math.imul(seedCounter, 0x9e3779b1) >>> 1) + 1;
}

/** ‖actual − expected‖₂ / ‖expected‖₂ (absolute when the reference is all zeros); NaN anywhere gives Infinity. */
export function relL2(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = actual[i] - expected[i];
    if (!Number.isFinite(actual[i])) return Infinity;
    num += d * d;
    den += expected[i] * expected[i];
  }
  return Math.sqrt(num) / (den > 0 ? Math.sqrt(den) : 1);
}

/** Throws unless relL2(actual, expected) ≤ tol, saying where the first bad element is. */
export function expectClose(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, seed?: number): void {
  const err = relL2(actual, expected);
  if (err <= tol) return;
  let worst = 0;
  let firstNaN = -1;
  for (let i = 0; i < expected.length; i++) {
    if (firstNaN < 0 && !Number.isFinite(actual[i])) firstNaN = i;
    if (Math.abs(actual[i] - expected[i]) > Math.abs(actual[worst] - expected[worst])) worst = i;
  }
  const where =
    firstNaN >= 0
      ? `element ${firstNaN} is ${actual[firstNaN]} (unwritten?)`
      : `worst element ${worst}: ${actual[worst]} vs ${expected[worst]}`;
  throw new Error(`${what}: relative L2 error ${err.toExponential(3)} > ${tol} (${where})${seed !== undefined ? `; seed ${seed}` : ''}`);
}

/**
 * ‖actual − expected‖₂ ≤ tol·‖scale‖₂, scale (≥ |expected| elementwise) being the size of the terms
 * the kernel adds. For outputs that cancel (a row sum near 0, a gradient of a near-one-hot softmax)
 * f32 rounding is relative to those terms, so plain relative L2 would measure the conditioning of
 * the data, not the kernel. Elsewhere the tests use expectClose.
 */
export function expectCloseScaled(
  what: string,
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  scale: ArrayLike<number>,
  tol: number,
  seed?: number,
): void {
  let num = 0;
  let den = 0;
  for (let i = 0; i < expected.length; i++) {
    num += (actual[i] - expected[i]) ** 2;
    den += scale[i] ** 2;
  }
  // scale ≥ |expected| makes plain relative L2 fail too: it reports the worst element
  if (!(Math.sqrt(num) <= tol * Math.sqrt(den))) expectClose(`${what} (relative to the size of its terms)`, actual, expected, tol, seed);
}

/** Central finite differences of a scalar float64 function, for checking analytic gradients. */
export function finiteDifferences(f: (x: Float64Array) => number, x: ArrayLike<number>, eps = 1e-6): Float64Array {
  const p = Float64Array.from(x);
  const grad = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) {
    const orig = p[i];
    p[i] = orig + eps;
    const up = f(p);
    p[i] = orig - eps;
    const down = f(p);
    p[i] = orig;
    grad[i] = (up - down) / (2 * eps);
  }
  return grad;
}

/**
 * The derivative at t = 0 of f(t) = loss(x + t·v), a loss known only by its values (a GPU forward):
 * the central difference (f(h) − f(−h)) / 2h, or with `richardson` (4·D(h/2) − D(h)) / 3, which
 * cancels the h² term of its error at the price of four evaluations (for curved losses, where a
 * smaller h would drown the difference in float32 rounding). Checks ⟨∇loss, v⟩ from a tape.
 */
export async function directionalDifference(
  f: (t: number) => number | Promise<number>,
  h: number,
  opts: { richardson?: boolean } = {},
): Promise<number> {
  const central = async (step: number) => ((await f(step)) - (await f(-step))) / (2 * step);
  return opts.richardson ? (4 * (await central(h / 2)) - (await central(h))) / 3 : central(h);
}

/** A random direction of unit length, so that a step h is a move of length h in any dimension. */
export function unitDirection(n: number, random: () => number): Float32Array {
  const dir = randn(n, random);
  const norm = Math.hypot(...dir);
  return dir.map((x) => x / norm);
}

/** Σ w·y: the scalar a gradient check differentiates, so dy = w. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** A poisoned (NaN-filled) output buffer of `count` floats. */
export function poisoned(gpu: Gpu, count: number, label = 'out'): GPUBuffer {
  const b = gpu.createBuffer(count * 4, label);
  gpu.poison(b);
  return b;
}

/** Throws unless `f` throws a KernelError whose message matches `message` (the kernel tests' wrong-call check). */
export function expectKernelError(f: () => unknown, message: RegExp): void {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  if (!(thrown instanceof KernelError))
    throw new Error(`expected a KernelError matching ${message}, got ${thrown === undefined ? 'no error' : String(thrown)}`);
  if (!message.test(thrown.message)) throw new Error(`expected a KernelError matching ${message}, got '${thrown.message}'`);
}

/**
 * A test of a kernel variant that needs an adapter feature ('subgroups', 'shader-f16'): runs
 * `check` when the device has the feature; otherwise checks that `attempt` is refused with a
 * KernelError naming the feature, and says on the console that the variant itself was not run.
 * Never a silent pass, never a skip.
 */
export async function withFeature(
  gpu: Gpu,
  feature: string,
  what: string,
  check: () => Promise<void> | void,
  attempt: () => unknown,
): Promise<void> {
  if (gpu.adapter.features.includes(feature)) return check();
  expectKernelError(attempt, new RegExp(`'${feature}'`));
  console.log(`${what}: NOT RUN, this adapter has no '${feature}' (checked that it is refused with a KernelError)`);
}

/** A row layout of the row kernels (layernorm, softmax, reduce): which build, how many invocations per row. */
export interface RowLayout {
  /** appended to a test's name */
  label: string;
  maxPerRow?: number;
  subgroups: boolean;
}

/**
 * The layouts every row-kernel test runs in: the workgroup-memory build as this adapter would lay
 * it out and as a GPU would (256 invocations per row), and the subgroup build (the default where
 * the adapter can run it).
 */
export const ROW_LAYOUTS: readonly RowLayout[] = [
  { label: ', workgroup memory', subgroups: false },
  { label: ', workgroup memory, ≤ 256 invocations per row', subgroups: false, maxPerRow: 256 },
  { label: ', subgroups', subgroups: true },
];

/**
 * Runs `check` with the row kernels pinned to `layout` (and unpinned after). The subgroup build on
 * an adapter that cannot run it must be refused instead: `attempt` (one launch) is checked to throw
 * a KernelError naming 'subgroups', and the console says the build was not run.
 */
export async function inRowLayout(
  gpu: Gpu,
  layout: RowLayout,
  what: string,
  check: () => Promise<void>,
  attempt: () => unknown,
): Promise<void> {
  rowTuning.maxPerRow = layout.maxPerRow;
  rowTuning.subgroups = layout.subgroups;
  try {
    if (!layout.subgroups || rowSubgroupsSupported(gpu)) return await check();
    expectKernelError(attempt, /'subgroups'/);
    console.log(`${what}${layout.label}: NOT RUN, this adapter lacks 'subgroups' or 'subgroup_id' (checked that it is refused)`);
  } finally {
    rowTuning.maxPerRow = undefined;
    rowTuning.subgroups = undefined;
  }
}

/**
 * Compares generated source with its checked-in golden file (imported as text), so a reviewer
 * reads what actually runs and a change to it shows in the diff. `path` is the golden file from
 * the repository root; `CLIPGPU_UPDATE_GOLDEN=1` (Node) rewrites it instead.
 */
export function expectGolden(path: string, actual: string, golden: string): void {
  if (actual === golden) return;
  if (writeGolden(path, actual)) {
    console.log(`rewrote ${path}`);
    return;
  }
  const a = actual.split('\n');
  const g = golden.split('\n');
  let i = 0;
  while (i < a.length && a[i] === g[i]) i++;
  throw new Error(
    `${path} differs from the generated source at line ${i + 1}:\n  golden:    ${g[i] ?? '(end)'}\n  generated: ${a[i] ?? '(end)'}\n` +
      `if the change is intended, rewrite it: CLIPGPU_UPDATE_GOLDEN=1 npx vitest run <this test file>`,
  );
}
