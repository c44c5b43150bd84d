// Reverse-mode autograd on a tape. An op that has an input needing a gradient records a Node: its
// inputs, the tensors its backward needs (retained until used), and the backward rule. backward()
// walks the nodes in reverse topological order, accumulates gradients, and frees each node's saved
// tensors as soon as its rule has run. noGrad() records nothing (inference); tidy() disposes the
// tensors a synchronous block made, except those it returns.
import type { Tensor } from './tensor.js';

/** Gradients of the inputs (null where none is needed) from the output's gradient and the saved tensors. */
export type BackwardRule = (grad: Tensor, saved: readonly Tensor[]) => (Tensor | null | undefined)[];

export class Node {
  private released = false;
  constructor(
    readonly op: string,
    readonly inputs: readonly Tensor[],
    private readonly saved: readonly Tensor[],
    private readonly rule: BackwardRule,
  ) {}
  /** The inputs' gradients from the output's. */
  run(grad: Tensor): (Tensor | null | undefined)[] {
    if (this.released)
      throw new Error(`clipgpu: backward through '${this.op}' a second time: its saved tensors were freed by the first backward()`);
    return this.rule(grad, this.saved);
  }
  /** Drops the saved tensors (each was a retained view). */
  release(): void {
    if (this.released) return;
    this.released = true;
    for (const t of this.saved) t.dispose();
  }
  get isReleased(): boolean {
    return this.released;
  }
}

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs fn with gradient recording off (inference). Works for sync and async fns. */
export function noGrad<T>(fn: () => T): T {
  const before = gradEnabled;
  gradEnabled = false;
  let async = false;
  try {
    const out = fn();
    if (out instanceof Promise) {
      async = true;
      return out.finally(() => {
        gradEnabled = before;
      }) as T;
    }
    return out;
  } finally {
    if (!async) gradEnabled = before;
  }
}

/**
 * Marks `out` as made by op from `inputs` when gradients are on and an input needs one. `saved`
 * are retained (as views) until the backward pass has used them.
 */
export function record(op: string, out: Tensor, inputs: readonly Tensor[], saved: readonly Tensor[], rule: BackwardRule): Tensor {
  if (!gradEnabled || !inputs.some((t) => t.requiresGrad)) return out;
  out.requiresGrad = true;
  out.node = new Node(
    op,
    inputs,
    untracked(() => saved.map((t) => t.view(t.shape))),
    rule,
  );
  return out;
}

// ---- tidy: scope-based disposal ------------------------------------------------------------------

const scopes: Set<Tensor>[] = [];

export function onCreate(t: Tensor): void {
  scopes[scopes.length - 1]?.add(t);
}

/** Runs fn without registering what it creates in any tidy() scope (autograd's own tensors). */
export function untracked<T>(fn: () => T): T {
  scopes.push(new Set());
  try {
    return fn();
  } finally {
    scopes.pop();
  }
}

type Kept = Tensor | Tensor[] | Record<string, Tensor> | undefined | undefined;

/** Runs a synchronous fn and disposes every tensor it created except those it returns. */
export function tidy<T extends Kept>(fn: () => T): T {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let out: T;
  try {
    out = fn();
  } finally {
    scopes.pop();
  }
  if (out instanceof Promise) throw new Error('clipgpu: tidy() takes a synchronous function (record GPU work, read back outside)');
  const keep = new Set<Tensor>(
    out === undefined
      ? []
      : Array.isArray(out)
        ? out
        : 'shape' in (out as object)
          ? [out as Tensor]
          : Object.values(out as Record<string, Tensor>),
  );
  for (const t of scope) if (!keep.has(t)) t.dispose();
  // Returned tensors belong to the enclosing scope, if any.
  for (const t of keep) onCreate(t);
  return out;
}

// ---- the backward pass ---------------------------------------------------------------------------

/** Tensors reachable from root through nodes, in topological order (inputs first). */
function topoSort(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  // iterative DFS: CLIP graphs are deep enough to overflow a recursive walk in some engines
  const stack: [Tensor, boolean][] = [[root, false]];
  while (stack.length) {
    const [t, done] = stack.pop()!;
    if (done) {
      order.push(t);
      continue;
    }
    if (seen.has(t)) continue;
    seen.add(t);
    stack.push([t, true]);
    for (const i of t.node?.inputs ?? []) if (i.requiresGrad && !seen.has(i)) stack.push([i, false]);
  }
  return order;
}

/**
 * Backpropagates from `root` (a scalar unless `grad` is given). Leaves that require gradients get
 * `.grad` (accumulated if present, as PyTorch does); every node's saved tensors are freed.
 * `add` adds two gradients (passed in to keep this file free of ops).
 */
export function runBackward(root: Tensor, seed: Tensor, add: (a: Tensor, b: Tensor) => Tensor): void {
  untracked(() => backwardWalk(root, seed, add));
}

function backwardWalk(root: Tensor, seed: Tensor, add: (a: Tensor, b: Tensor) => Tensor): void {
  if (!root.requiresGrad)
    throw new Error('clipgpu: backward() on a tensor that does not require grad (no input had requiresGrad, or it was made under noGrad)');
  const order = topoSort(root);
  const grads = new Map<Tensor, Tensor>([[root, seed]]);
  const before = gradEnabled;
  gradEnabled = false;
  try {
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const g = grads.get(t);
      if (!g) {
        t.node?.release();
        continue;
      }
      grads.delete(t);
      if (!t.node) {
        // a leaf
        if (t.grad) {
          const sum = add(t.grad, g);
          t.grad.dispose();
          g.dispose();
          t.grad = sum;
        } else t.grad = g;
        continue;
      }
      const inputGrads = t.node.run(g);
      t.node.release();
      g.dispose();
      t.node.inputs.forEach((input, k) => {
        const gi = inputGrads[k];
        if (!gi) return;
        if (!input.requiresGrad) {
          gi.dispose();
          return;
        }
        const prev = grads.get(input);
        if (prev) {
          grads.set(input, add(prev, gi));
          prev.dispose();
          gi.dispose();
        } else grads.set(input, gi);
      });
    }
  } finally {
    gradEnabled = before;
    for (const g of grads.values()) g.dispose();
  }
}
