// SIREN (Sitzmann et al. 2020), as deep-daze uses it through siren-pytorch: pixel coordinates in
// [−1, 1]² → Linear → sin(w0·x) layers → Linear → sigmoid. The parameters are the weights and
// biases, trained through the linear op's weight and bias gradients.
import { ops, Tensor, tidy } from '../../tensor/index.js';
import { randu, type Random } from '../random.js';
import { disposeAll, sizeOf, type Generator, type GeneratorContext, type GeneratorFactory } from './types.js';

export interface SirenOptions {
  size: number | readonly [number, number];
  /** sine layers (default 8) */
  layers?: number;
  /** hidden width (default 128) */
  width?: number;
  /** frequency of the sine layers (default 30) */
  w0?: number;
  /** frequency of the first layer (default w0) */
  w0Initial?: number;
}

/** coordinates [H·W, 2] = (y, x) on linspace(−1, 1), row-major. */
export function sirenCoordinates(h: number, w: number): Float32Array {
  const lin = (n: number, i: number) => (n === 1 ? 0 : -1 + (2 * i) / (n - 1));
  const out = new Float32Array(h * w * 2);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      out[2 * (y * w + x)] = lin(h, y);
      out[2 * (y * w + x) + 1] = lin(w, x);
    }
  return out;
}

/** siren-pytorch's init: U(−1/in, 1/in) for the first layer, U(−√(6/in)/w0, √(6/in)/w0) after (weights and biases). */
function initLayer(out: number, inp: number, first: boolean, w0: number, random: Random) {
  const bound = first ? 1 / inp : Math.sqrt(6 / inp) / w0;
  return { weight: randu(out * inp, random, -bound, bound), bias: randu(out, random, -bound, bound) };
}

export function siren(opts: SirenOptions): GeneratorFactory {
  const [h, w] = sizeOf('siren', opts.size);
  const layers = opts.layers ?? 8;
  const width = opts.width ?? 128;
  const w0 = opts.w0 ?? 30;
  const w0Initial = opts.w0Initial ?? w0;
  if (!Number.isInteger(layers) || layers < 1) throw new Error(`generators.siren: 'layers' must be an integer ≥ 1, got ${layers}`);
  if (!Number.isInteger(width) || width < 1) throw new Error(`generators.siren: 'width' must be an integer ≥ 1, got ${width}`);
  if (!(w0 > 0) || !(w0Initial > 0)) throw new Error(`generators.siren: 'w0' and 'w0Initial' must be > 0`);
  return {
    kind: 'siren',
    size: [h, w],
    create(ctx: GeneratorContext): Generator {
      const rt = ctx.runtime;
      const coords = Tensor.from(sirenCoordinates(h, w), [h * w, 2], { runtime: rt });
      const weights: Tensor[] = [];
      const biases: Tensor[] = [];
      const dims = [2, ...new Array<number>(layers).fill(width), 3];
      for (let i = 0; i + 1 < dims.length; i++) {
        const { weight, bias } = initLayer(dims[i + 1], dims[i], i === 0, w0, ctx.random);
        weights.push(Tensor.from(weight, [dims[i + 1], dims[i]], { requiresGrad: true, runtime: rt }));
        biases.push(Tensor.from(bias, [dims[i + 1]], { requiresGrad: true, runtime: rt }));
      }
      return {
        parameters: weights.flatMap((wt, i) => [wt, biases[i]]),
        render: () =>
          tidy(() => {
            let x = coords;
            for (let i = 0; i < layers; i++) x = ops.sin(ops.scale(ops.linear(x, weights[i], biases[i]), i === 0 ? w0Initial : w0));
            const rgb = ops.linear(x, weights[layers], biases[layers]); // [H·W, 3]
            return ops.reshape(ops.sigmoid(ops.permute(rgb, [1, 0])), [1, 3, h, w]);
          }),
        dispose: () => disposeAll([coords, ...weights, ...biases]),
      };
    },
  };
}
