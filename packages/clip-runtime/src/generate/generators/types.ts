// The generator interface of guided generation (documented with an example in ./index.ts).
import type { Runtime, Tensor } from '../../tensor/index.js';
import type { Random } from '../random.js';

/**
 * Something that draws an image from trainable tensors. `render()` returns [1, 3, H, W] in [0, 1]
 * built from ops, so gradients flow back to `parameters` (tensors with requiresGrad, updated in
 * place by the optimizer). `dispose()` frees every tensor the generator holds.
 */
export interface Generator {
  readonly parameters: Tensor[];
  render(): Tensor;
  dispose(): void;
}

/** What a factory gets: the runtime to allocate on and a seeded random stream for initialisation. */
export interface GeneratorContext {
  runtime: Runtime;
  seed: number;
  random: Random;
}

/** A recipe for a generator, instantiated by generate() with the run's seed. */
export interface GeneratorFactory {
  readonly kind: string;
  /** [H, W] of the rendered image when known before creating it (checked against the cutout sizes early) */
  readonly size?: readonly [number, number];
  create(ctx: GeneratorContext): Generator | Promise<Generator>;
}

export function isGenerator(x: unknown): x is Generator {
  return !!x && typeof x === 'object' && Array.isArray((x as Generator).parameters) && typeof (x as Generator).render === 'function';
}

export function isGeneratorFactory(x: unknown): x is GeneratorFactory {
  return (
    !!x && typeof x === 'object' && typeof (x as GeneratorFactory).create === 'function' && typeof (x as GeneratorFactory).kind === 'string'
  );
}

/** [H, W] from a size option (a number is a square). */
export function sizeOf(kind: string, size: number | readonly [number, number] | undefined, fallback?: number): [number, number] {
  const s = size ?? fallback;
  if (s === undefined) throw new Error(`generators.${kind}: 'size' is required`);
  const [h, w] = typeof s === 'number' ? [s, s] : s;
  for (const d of [h, w])
    if (!Number.isInteger(d) || d < 1)
      throw new Error(`generators.${kind}: 'size' must be a positive integer (or [height, width]), got ${JSON.stringify(s)}`);
  return [h, w];
}

/** Freed together (a generator's constants and parameters). */
export function disposeAll(ts: (Tensor | undefined)[]): void {
  for (const t of ts) t?.dispose();
}
