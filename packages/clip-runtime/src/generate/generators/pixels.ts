// The plainest generator: one logit per pixel and channel, through a sigmoid.
import { ops, Tensor } from '../../tensor/index.js';
import { randn } from '../random.js';
import { disposeAll, sizeOf, type Generator, type GeneratorContext, type GeneratorFactory } from './types.js';

export interface PixelsOptions {
  /** side of a square image, or [height, width] */
  size: number | readonly [number, number];
  /** initial logits [3·H·W] (CHW); default Normal(0, std) from the run's seed */
  init?: Float32Array | readonly number[];
  /** std of the random initial logits (default 0.01: a flat grey) */
  std?: number;
}

/** image = sigmoid(logits), logits [1, 3, H, W] the parameters. */
export function pixels(opts: PixelsOptions): GeneratorFactory {
  const [h, w] = sizeOf('pixels', opts.size);
  const n = 3 * h * w;
  if (opts.init && opts.init.length !== n)
    throw new Error(`generators.pixels: 'init' has ${opts.init.length} values, a ${h}×${w} RGB image needs ${n}`);
  return {
    kind: 'pixels',
    size: [h, w],
    create(ctx: GeneratorContext): Generator {
      const init = opts.init ? Float32Array.from(opts.init) : randn(n, ctx.random, opts.std ?? 0.01);
      const logits = Tensor.from(init, [1, 3, h, w], { requiresGrad: true, runtime: ctx.runtime });
      return {
        parameters: [logits],
        render: () => ops.sigmoid(logits),
        dispose: () => disposeAll([logits]),
      };
    },
  };
}
