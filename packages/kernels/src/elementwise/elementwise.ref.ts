// Plain float64 references for the elementwise kernels.
import type { BinaryOp, UnaryOp, UnaryParams } from './elementwise.js';

// erf to ~1e-13: the Maclaurin series for |x| < 3, the continued fraction of erfc beyond.
// (The kernels' 1e-7 approximations are what this checks, so it must be far better.)
export function erf(x: number): number {
  const a = Math.abs(x);
  if (a < 3) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // continued fraction for erfc (Lentz), accurate for a ≥ 3
  let f = a;
  let c = a;
  let d = 0;
  for (let n = 1; n < 200; n++) {
    const an = n / 2;
    d = 1 / (a + an * d);
    c = a + an / c;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export function unaryRef(op: UnaryOp, x: ArrayLike<number>, p: UnaryParams = {}): Float64Array {
  const alpha = p.alpha ?? 1;
  const beta = p.beta ?? 0;
  const f: (v: number) => number = {
    none: (v: number) => v,
    quickGelu: (v: number) => v * sigmoid(1.702 * v),
    gelu: (v: number) => 0.5 * v * (1 + erf(v / Math.SQRT2)),
    sigmoid,
    tanh: Math.tanh,
    sin: Math.sin,
    relu: (v: number) => Math.max(v, 0),
    exp: Math.exp,
    leakyRelu: (v: number) => (v > 0 ? v : 0.2 * v),
    asin: (v: number) => Math.asin(Math.min(1, Math.max(-1, v))),
    scale: (v: number) => alpha * v + beta,
    clamp: (v: number) => Math.min(Math.max(v, alpha), beta),
    round: (v: number) => Math.sign(v) * Math.floor(Math.abs(v) + 0.5),
  }[op];
  return Float64Array.from(x, f);
}

export function unaryBackwardRef(op: UnaryOp, x: ArrayLike<number>, dy: ArrayLike<number>, p: UnaryParams = {}): Float64Array {
  const alpha = p.alpha ?? 1;
  const beta = p.beta ?? 0;
  const d: (v: number) => number = {
    none: () => 1,
    quickGelu: (v: number) => {
      const s = sigmoid(1.702 * v);
      return s + 1.702 * v * s * (1 - s);
    },
    gelu: (v: number) => 0.5 * (1 + erf(v / Math.SQRT2)) + (v * Math.exp(-0.5 * v * v)) / Math.sqrt(2 * Math.PI),
    sigmoid: (v: number) => sigmoid(v) * (1 - sigmoid(v)),
    tanh: (v: number) => 1 - Math.tanh(v) ** 2,
    sin: Math.cos,
    relu: (v: number) => (v > 0 ? 1 : 0),
    exp: Math.exp,
    leakyRelu: (v: number) => (v > 0 ? 1 : 0.2),
    asin: (v: number) => 1 / Math.sqrt(Math.max(1 - v * v, 1e-12)),
    scale: () => alpha,
    clamp: (v: number) => (v >= alpha && v <= beta ? 1 : 0),
    round: () => 0,
  }[op];
  return Float64Array.from(x, (v, i) => dy[i] * d(v));
}

const BINARY: Record<BinaryOp, (u: number, v: number) => number> = {
  add: (u, v) => u + v,
  sub: (u, v) => u - v,
  mul: (u, v) => u * v,
  div: (u, v) => u / v,
};

/** b broadcast over a: a viewed as [outer, b.length, inner] reads b[(i / inner) % b.length]. */
export function binaryRef(op: BinaryOp, a: ArrayLike<number>, b: ArrayLike<number>, inner = 1): Float64Array {
  return Float64Array.from(a, (u, i) => BINARY[op](u, b[Math.floor(i / inner) % b.length]));
}

export function binaryBackwardRef(
  op: BinaryOp,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  dout: ArrayLike<number>,
  inner = 1,
): { da: Float64Array; db: Float64Array } {
  const da = new Float64Array(a.length);
  const db = new Float64Array(b.length);
  for (let i = 0; i < a.length; i++) {
    const u = a[i];
    const j = Math.floor(i / inner) % b.length;
    const v = b[j];
    const g = dout[i];
    const [ga, gb] = op === 'add' ? [g, g] : op === 'sub' ? [g, -g] : op === 'mul' ? [g * v, g * u] : [g / v, (-g * u) / (v * v)];
    da[i] = ga;
    db[j] += gb;
  }
  return { da, db };
}
