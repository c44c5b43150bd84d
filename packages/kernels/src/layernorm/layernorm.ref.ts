// Plain float64 reference for LayerNorm over the last axis, x [rows, cols].

/** y [rows, cols], mean [rows], rstd [rows] = 1/sqrt(biased var + eps). */
export function layerNormRef(
  x: ArrayLike<number>,
  gamma: ArrayLike<number>,
  beta: ArrayLike<number>,
  rows: number,
  cols: number,
  eps: number,
): { y: Float64Array; mean: Float64Array; rstd: Float64Array } {
  const y = new Float64Array(rows * cols);
  const mean = new Float64Array(rows);
  const rstd = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    let s = 0;
    for (let c = 0; c < cols; c++) s += x[off + c];
    const mu = s / cols;
    let v = 0;
    for (let c = 0; c < cols; c++) v += (x[off + c] - mu) ** 2;
    const rs = 1 / Math.sqrt(v / cols + eps);
    for (let c = 0; c < cols; c++) y[off + c] = (x[off + c] - mu) * rs * gamma[c] + beta[c];
    mean[r] = mu;
    rstd[r] = rs;
  }
  return { y, mean, rstd };
}

/** dx [rows, cols], dgamma [cols], dbeta [cols] from dy and what the forward saved. */
export function layerNormBackwardRef(
  x: ArrayLike<number>,
  gamma: ArrayLike<number>,
  mean: ArrayLike<number>,
  rstd: ArrayLike<number>,
  dy: ArrayLike<number>,
  rows: number,
  cols: number,
): { dx: Float64Array; dgamma: Float64Array; dbeta: Float64Array } {
  const dx = new Float64Array(rows * cols);
  const dgamma = new Float64Array(cols);
  const dbeta = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    let sg = 0;
    let sgx = 0;
    for (let c = 0; c < cols; c++) {
      const xhat = (x[off + c] - mean[r]) * rstd[r];
      const g = dy[off + c] * gamma[c];
      sg += g;
      sgx += g * xhat;
      dgamma[c] += dy[off + c] * xhat;
      dbeta[c] += dy[off + c];
    }
    for (let c = 0; c < cols; c++) {
      const xhat = (x[off + c] - mean[r]) * rstd[r];
      dx[off + c] = rstd[r] * (dy[off + c] * gamma[c] - sg / cols - (xhat * sgx) / cols);
    }
  }
  return { dx, dgamma, dbeta };
}
