// Relative L2 error allowed per kind of kernel, in one place (issue: ≤ 1e-5 for f32, ≤ 1e-3 for
// f16-packed weights against the f16-rounded reference).
export const TOLERANCE = {
  f32: 1e-5,
  /** transcendental activations (erf, tanh, sin) whose WGSL builtins are less exact than float64 */
  f32Transcendental: 2e-5,
  f16Weights: 1e-3,
  /** products computed in f16 (shader-f16) from f16-rounded operands, accumulated in f32 */
  f16Compute: 2e-3,
  /** backward passes against the float64 reference's analytic gradient */
  f32Backward: 1e-5,
  /** central finite differences of the float64 reference against its analytic gradient */
  finiteDifference: 1e-6,
} as const;
