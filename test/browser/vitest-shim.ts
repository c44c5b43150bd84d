// The slice of vitest's API that kernel test files use, for running them in a browser page from an
// esbuild bundle (run.mjs aliases `vitest` to this file). Test files register suites and tests while
// they are imported; runFiles() then imports each file, runs what it registered, and reports every
// result through a callback (run.mjs streams them to the terminal). `expect` is vitest's own,
// built from @vitest/expect the way vitest builds it, so matchers behave the same as in Node.
import {
  ASYMMETRIC_MATCHERS_OBJECT,
  ChaiStyleAssertions,
  chai,
  GLOBAL_EXPECT,
  getState,
  JestAsymmetricMatchers,
  JestChaiExpect,
  JestExtend,
  setState,
  type ExpectStatic,
} from '@vitest/expect';

// ---- expect ------------------------------------------------------------------------------------

chai.use(JestExtend);
chai.use(JestChaiExpect);
chai.use(ChaiStyleAssertions);
chai.use(JestAsymmetricMatchers);

export const expect = ((value: unknown, message?: string) => {
  const { assertionCalls } = getState(expect);
  setState({ assertionCalls: assertionCalls + 1 }, expect);
  return chai.expect(value, message);
}) as ExpectStatic;
Object.assign(expect, chai.expect);
Object.assign(expect, (globalThis as Record<symbol, unknown>)[ASYMMETRIC_MATCHERS_OBJECT]);
expect.getState = () => getState(expect);
expect.setState = (state) => setState(state, expect);
setState({ assertionCalls: 0, isExpectingAssertions: false, expectedAssertionsNumber: null }, expect);
(globalThis as Record<symbol, unknown>)[GLOBAL_EXPECT] = expect;

// ---- registration ------------------------------------------------------------------------------

type Fn = () => unknown;
type Mode = 'run' | 'skip' | 'only' | 'todo';
type Options = { timeout?: number } | number | undefined;

interface Test {
  kind: 'test';
  name: string;
  fn?: Fn;
  mode: Mode;
  timeout: number;
}
interface Suite {
  kind: 'suite';
  name: string;
  mode: Mode;
  children: (Suite | Test)[];
  beforeAll: Fn[];
  afterAll: Fn[];
  beforeEach: Fn[];
  afterEach: Fn[];
}

const DEFAULT_TIMEOUT = 120_000;
const newSuite = (name: string, mode: Mode): Suite => ({
  kind: 'suite',
  name,
  mode,
  children: [],
  beforeAll: [],
  afterAll: [],
  beforeEach: [],
  afterEach: [],
});
let stack: Suite[] = [newSuite('', 'run')];
const current = () => stack[stack.length - 1];

function timeoutOf(o: Options): number {
  return (typeof o === 'number' ? o : o?.timeout) ?? DEFAULT_TIMEOUT;
}

/** it(name, fn, timeout?) and it(name, { timeout }, fn) both occur in vitest code. */
function addTest(mode: Mode, name: string, a?: Fn | Options, b?: Fn | Options): void {
  const fn = (typeof a === 'function' ? a : typeof b === 'function' ? b : undefined) as Fn | undefined;
  const opts = (typeof a === 'function' ? b : a) as Options;
  current().children.push({ kind: 'test', name, fn, mode: fn ? mode : 'todo', timeout: timeoutOf(opts) });
}

function addSuite(mode: Mode, name: string, a?: Fn | Options, b?: Fn | Options): void {
  const fn = (typeof a === 'function' ? a : b) as Fn | undefined;
  const suite = newSuite(name, mode);
  current().children.push(suite);
  stack.push(suite);
  try {
    const r = fn?.();
    if (r instanceof Promise) throw new Error(`describe('${name}') got an async callback; the browser shim collects synchronously`);
  } finally {
    stack.pop();
  }
}

/** vitest's test-name formatting for .each: %s %d %i %f %j %o %# %% and $property. */
function format(name: string, args: unknown[], index: number): string {
  let i = 0;
  let out = name.replace(/%[sdifjoO#%]/g, (m) => {
    if (m === '%%') return '%';
    if (m === '%#') return String(index);
    const v = args[i++];
    if (m === '%d' || m === '%i') return String(m === '%i' ? Math.trunc(Number(v)) : Number(v));
    if (m === '%f') return String(Number(v));
    if (m === '%j' || m === '%o' || m === '%O') return JSON.stringify(v);
    return typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
  });
  const first = args[0];
  if (args.length === 1 && first && typeof first === 'object' && !Array.isArray(first))
    out = out.replace(/\$([\w.]+)/g, (m, key: string) => (key in first ? String((first as Record<string, unknown>)[key]) : m));
  return out;
}

type Register = (name: string, a?: Fn | Options, b?: Fn | Options) => void;
type EachFn = (name: string, fn: (...args: any[]) => unknown, options?: Options) => void;
type Api = Register & {
  skip: Register;
  only: Register;
  todo: (name: string) => void;
  concurrent: Register;
  sequential: Register;
  skipIf: (cond: unknown) => Register;
  runIf: (cond: unknown) => Register;
  each: (table: readonly unknown[]) => EachFn;
};

function api(add: (mode: Mode, name: string, a?: Fn | Options, b?: Fn | Options) => void): Api {
  const f = ((name, a, b) => add('run', name, a, b)) as Api;
  f.skip = (name, a, b) => add('skip', name, a, b);
  f.only = (name, a, b) => add('only', name, a, b);
  f.todo = (name) => add('todo', name);
  f.concurrent = f;
  f.sequential = f;
  f.skipIf = (cond) => (cond ? f.skip : f);
  f.runIf = (cond) => (cond ? f : f.skip);
  f.each = (table) => (name, fn, options) => {
    table.forEach((row, i) => {
      const args = Array.isArray(row) ? row : [row];
      add('run', format(name, args, i), () => fn(...args), options);
    });
  };
  return f;
}

export const it = api(addTest);
export const test = it;
export const describe = api(addSuite);
export const suite = describe;
export const beforeAll = (fn: Fn) => void current().beforeAll.push(fn);
export const afterAll = (fn: Fn) => void current().afterAll.push(fn);
export const beforeEach = (fn: Fn) => void current().beforeEach.push(fn);
export const afterEach = (fn: Fn) => void current().afterEach.push(fn);
/** Hooks registered by the running test with onTestFinished, run after it (and its afterEach). */
let finishing: Fn[] | undefined;
export const onTestFinished = (fn: Fn) => {
  if (!finishing) throw new Error('onTestFinished() must be called inside a running test');
  finishing.push(fn);
};

// ---- running -----------------------------------------------------------------------------------

export type Report =
  | { type: 'file'; file: string }
  | { type: 'pass'; name: string; ms: number }
  | { type: 'fail'; name: string; ms: number; error: string }
  | { type: 'skip'; name: string; mode: 'skip' | 'todo' }
  | { type: 'done'; passed: number; failed: number; skipped: number };

function describeError(e: unknown): string {
  if (e instanceof Error) return e.stack && !e.stack.includes(e.message) ? `${e.message}\n${e.stack}` : (e.stack ?? e.message);
  return String(e);
}

async function withTimeout(fn: Fn, ms: number, what: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    await Promise.race([Promise.resolve().then(fn), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function hasOnly(s: Suite): boolean {
  return s.children.some((c) => c.mode === 'only' || (c.kind === 'suite' && hasOnly(c)));
}

class Runner {
  passed = 0;
  failed = 0;
  skipped = 0;
  constructor(private report: (r: Report) => void) {}

  fail(name: string, error: unknown, ms = 0): void {
    this.failed++;
    this.report({ type: 'fail', name, ms, error: describeError(error) });
  }

  private skipAll(node: Suite | Test, path: string[], mode: 'skip' | 'todo'): void {
    if (node.kind === 'test') {
      this.skipped++;
      this.report({ type: 'skip', name: [...path, node.name].join(' > '), mode: node.mode === 'todo' ? 'todo' : mode });
    } else for (const c of node.children) this.skipAll(c, [...path, node.name], mode);
  }

  /** Runs a suite; `each` holds the beforeEach/afterEach hooks of the suites around it. */
  async suite(s: Suite, path: string[], each: { before: Fn[]; after: Fn[] }, only: boolean): Promise<void> {
    const before = [...each.before, ...s.beforeEach];
    const after = [...s.afterEach, ...each.after];
    const label = [...path, s.name || '(file)'].join(' > ');
    try {
      for (const h of s.beforeAll) await withTimeout(h, DEFAULT_TIMEOUT, `beforeAll of ${label}`);
    } catch (e) {
      this.fail(`${label} > beforeAll`, e);
      for (const c of s.children) this.skipAll(c, s.name ? [...path, s.name] : path, 'skip');
      return;
    }
    for (const c of s.children) {
      const childPath = s.name ? [...path, s.name] : path;
      const selected = !only || c.mode === 'only' || (c.kind === 'suite' && hasOnly(c));
      if (c.mode === 'skip' || c.mode === 'todo' || !selected) this.skipAll(c, childPath, c.mode === 'todo' ? 'todo' : 'skip');
      else if (c.kind === 'suite') await this.suite(c, childPath, { before, after }, only && c.mode !== 'only' && hasOnly(c));
      else await this.test(c, childPath, before, after);
    }
    for (const h of s.afterAll) {
      try {
        await withTimeout(h, DEFAULT_TIMEOUT, `afterAll of ${label}`);
      } catch (e) {
        this.fail(`${label} > afterAll`, e);
      }
    }
  }

  private async test(t: Test, path: string[], before: Fn[], after: Fn[]): Promise<void> {
    const name = [...path, t.name].join(' > ');
    const start = performance.now();
    let error: unknown;
    const finished: Fn[] = [];
    finishing = finished;
    try {
      for (const h of before) await withTimeout(h, DEFAULT_TIMEOUT, 'beforeEach');
      await withTimeout(t.fn!, t.timeout, 'test');
    } catch (e) {
      error = e;
    }
    finishing = undefined;
    for (const h of [...after, ...finished]) {
      try {
        await withTimeout(h, DEFAULT_TIMEOUT, 'afterEach');
      } catch (e) {
        error ??= e;
      }
    }
    const ms = Math.round(performance.now() - start);
    if (error === undefined) {
      this.passed++;
      this.report({ type: 'pass', name, ms });
    } else this.fail(name, error, ms);
  }
}

/**
 * Imports each test file (an URL the page can load) and runs the tests it registered, one file at
 * a time. A file that fails to load (a throw at top level, e.g. no WebGPU adapter) is one failure.
 */
export async function runFiles(files: { name: string; url: string }[], report: (r: Report) => void): Promise<Report> {
  const runner = new Runner(report);
  for (const file of files) {
    report({ type: 'file', file: file.name });
    const root = newSuite('', 'run');
    stack = [root];
    try {
      await import(/* @vite-ignore */ file.url);
    } catch (e) {
      runner.fail(`${file.name} (loading the file)`, e);
      continue;
    }
    if (!root.children.length) runner.fail(`${file.name}`, new Error('the file registered no tests'));
    await runner.suite(root, [file.name], { before: [], after: [] }, hasOnly(root));
  }
  const done: Report = { type: 'done', passed: runner.passed, failed: runner.failed, skipped: runner.skipped };
  report(done);
  return done;
}
