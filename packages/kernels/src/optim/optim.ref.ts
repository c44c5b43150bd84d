// Plain float64 reference for the optimizers: the textbook form of torch.optim.Adam / AdamW.
import { adamDefaults, type AdamHyper } from './optim.js';

/** One step in place on float64 copies; returns nothing. */
export function adamRef(param: Float64Array, grad: ArrayLike<number>, m: Float64Array, v: Float64Array, hyper: AdamHyper): void {
  const h = adamDefaults(hyper);
  const bc1 = 1 - h.beta1 ** h.step;
  const bc2 = 1 - h.beta2 ** h.step;
  for (let i = 0; i < param.length; i++) {
    let g = grad[i];
    if (h.decoupled) param[i] -= h.lr * h.weightDecay * param[i];
    else g += h.weightDecay * param[i];
    m[i] = h.beta1 * m[i] + (1 - h.beta1) * g;
    v[i] = h.beta2 * v[i] + (1 - h.beta2) * g * g;
    const mHat = m[i] / bc1;
    const vHat = v[i] / bc2;
    param[i] -= (h.lr * mHat) / (Math.sqrt(vHat) + h.eps);
  }
}
