// Plain float64 references for softmax and log-softmax over the last axis, x [rows, cols].

function perRow(
  x: ArrayLike<number>,
  rows: number,
  cols: number,
  f: (off: number, m: number, sum: number, y: Float64Array) => void,
): Float64Array {
  const y = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    let m = -Infinity;
    for (let c = 0; c < cols; c++) m = Math.max(m, x[off + c]);
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += Math.exp(x[off + c] - m);
    f(off, m, sum, y);
  }
  return y;
}

export function softmaxRef(x: ArrayLike<number>, rows: number, cols: number): Float64Array {
  return perRow(x, rows, cols, (off, m, sum, y) => {
    for (let c = 0; c < cols; c++) y[off + c] = Math.exp(x[off + c] - m) / sum;
  });
}

export function logSoftmaxRef(x: ArrayLike<number>, rows: number, cols: number): Float64Array {
  return perRow(x, rows, cols, (off, m, sum, y) => {
    for (let c = 0; c < cols; c++) y[off + c] = x[off + c] - m - Math.log(sum);
  });
}

/** dx = y∘(dy − Σ dy∘y) per row, y = softmax(x). */
export function softmaxBackwardRef(y: ArrayLike<number>, dy: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const dx = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    let s = 0;
    for (let c = 0; c < cols; c++) s += dy[off + c] * y[off + c];
    for (let c = 0; c < cols; c++) dx[off + c] = y[off + c] * (dy[off + c] - s);
  }
  return dx;
}

/** dx = dy − exp(y)·Σ dy per row, y = log softmax(x). */
export function logSoftmaxBackwardRef(y: ArrayLike<number>, dy: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const dx = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    let s = 0;
    for (let c = 0; c < cols; c++) s += dy[off + c];
    for (let c = 0; c < cols; c++) dx[off + c] = dy[off + c] - Math.exp(y[off + c]) * s;
  }
  return dx;
}
