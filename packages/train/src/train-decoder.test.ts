// decoder-tiny's training: the latent → shape-image map it learns to draw (train/decoder-targets.ts),
// and both objectives of train-decoder run end to end on a small decoder, writing a file that
// generators.decoder() loads.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SHAPES, shapeMask } from './data/shapes.js';
import { latentSpec, normalCdf, RENDER_LATENT, RENDER_LATENT_DIM, renderSoft, renderTargets, specPlacement } from './decoder-targets.js';
import { grownDecoder, trainDecoder } from './train-decoder.js';
import { sigmoidCrossEntropyPerImage } from './losses.js';

import { decoderReference } from '@clipgpu/clip-runtime/internals';
import { decoderArchitecture, randomDecoderWeights, readDecoderWeights, init, Tensor } from '@clipgpu/clip-runtime';
import { placementFrame, randn, stream } from '@clipgpu/clip-runtime/internals';

/** A latent naming shape s in colour fg on colour bg (channels ±1.5: near 0 or 1), centred, of the middle radius, unrotated. */
function latentFor(s: number, fg: [number, number, number], bg: [number, number, number]): Float32Array {
  const z = new Float32Array(RENDER_LATENT_DIM);
  z[RENDER_LATENT.shape[0] + s] = 1;
  fg.forEach((v, c) => (z[RENDER_LATENT.foreground[0] + c] = v ? 1.5 : -1.5));
  bg.forEach((v, c) => (z[RENDER_LATENT.background[0] + c] = v ? 1.5 : -1.5));
  return z;
}
/** The loss a run logged at its first step. */
const firstLoss = (lines: string[]) => Number(/loss ([\d.]+)/.exec(lines.find((l) => l.startsWith('step 1 '))!)![1]);

const [RED, BLUE, YELLOW, BLACK, WHITE, GREEN]: [number, number, number][] = [
  [1, 0, 0],
  [0, 0, 1],
  [1, 1, 0],
  [0, 0, 0],
  [1, 1, 1],
  [0, 1, 0],
];

describe('decoder render targets', () => {
  it('name one shape and near-pure colours when their coordinates stand out', () => {
    const spec = latentSpec(latentFor(SHAPES.indexOf('star'), RED, BLUE));
    expect(spec.shapeWeights[SHAPES.indexOf('star')]).toBeGreaterThan(0.99);
    spec.foreground.forEach((v, k) => expect(Math.abs(v - RED[k]!)).toBeLessThan(0.1));
    spec.background.forEach((v, k) => expect(Math.abs(v - BLUE[k]!)).toBeLessThan(0.1));
    expect(spec.cx).toBeCloseTo(0.5, 6);
    expect(spec.radius).toBeCloseTo(0.13 + 0.19 / 2, 6);
    expect(spec.rotation).toBeCloseTo(0, 6);
  });

  it("lean the background away from the shape's colour", () => {
    const z = new Float32Array(RENDER_LATENT_DIM); // background coordinates at 0: mid-grey, unless pushed
    z[RENDER_LATENT.foreground[0]] = 1.5; // a red-ish shape
    const spec = latentSpec(z);
    expect(spec.background[0]).toBeLessThan(0.1); // the shape's strong red channel: pushed down
    expect(spec.background[1]).toBeCloseTo(0.5, 5); // its middling green: left alone
  });

  it('are smooth in z: halfway between two shapes is an even blend', () => {
    const z = latentFor(0, RED, BLUE);
    z[RENDER_LATENT.shape[0] + 1] = 1; // circle and square tie
    const w = latentSpec(z).shapeWeights;
    expect(w[0]).toBeCloseTo(0.5, 2);
    expect(w[1]).toBeCloseTo(0.5, 2);
  });

  it('draw the shape over the background, anti-aliased', () => {
    const spec = latentSpec(latentFor(SHAPES.indexOf('circle'), YELLOW, BLACK));
    const size = 16;
    const img = renderSoft(spec, size);
    const at = (c: number, x: number, y: number) => img[c * size * size + y * size + x]!;
    expect(at(0, 8, 8)).toBeCloseTo(spec.foreground[0], 4); // centre: the shape
    expect(at(0, 0, 0)).toBeCloseTo(spec.background[0], 4); // corner: the background
    const edge = Array.from({ length: size }, (_, x) => at(0, x, 8)).filter((v) => v > 0.1 && v < 0.9);
    expect(edge.length).toBeGreaterThan(0); // partly covered pixels on the rim
    for (const v of img) expect(v >= 0 && v <= 1).toBe(true);
  });

  it('ring has a hole, and a batch lays images out one after another', () => {
    const ring = latentFor(SHAPES.indexOf('ring'), WHITE, GREEN);
    const circle = latentFor(SHAPES.indexOf('circle'), WHITE, GREEN);
    const size = 16;
    const { images: out, coverages, placements } = renderTargets(new Float32Array([...ring, ...circle]), 2, size);
    expect(placements).toEqual(Float32Array.from([ring, circle].flatMap((z) => specPlacement(latentSpec(z)))));
    expect(out.length).toBe(2 * 3 * size * size);
    expect(coverages.length).toBe(2 * size * size);
    const centre = (i: number) => out[i * 3 * size * size + 8 * size + 8]!; // red channel
    expect(centre(0)).toBeCloseTo(latentSpec(ring).background[0], 4);
    expect(centre(1)).toBeCloseTo(latentSpec(circle).foreground[0], 4);
    expect(coverages[8 * size + 8]).toBeCloseTo(0, 4); // shape weights: a sharp softmax, not one-hot
    expect(coverages[size * size + 8 * size + 8]).toBeCloseTo(1, 4);
  });

  it("a spec's placement gives the frame in which each point lies where it would in the unrotated shape of circumradius 1", () => {
    const random = stream(5, 'frame-test');
    for (let trial = 0; trial < 20; trial++) {
      const z = randn(RENDER_LATENT_DIM, random);
      const spec = latentSpec(z);
      const f = placementFrame(specPlacement(spec));
      for (const shape of SHAPES) {
        const [rotated, upright] = [shapeMask(shape, spec.rotation), shapeMask(shape, 0)];
        for (let k = 0; k < 20; k++) {
          const [x, y] = [2 * random() - 1, 2 * random() - 1]; // a point of the image, in (−1, 1)
          // the rasterizer's coordinates: from the centre, in circumradii (pixels cancel)
          const [u, v] = [((x + 1) / 2 - spec.cx) / spec.radius, ((y + 1) / 2 - spec.cy) / spec.radius];
          expect(upright(x * f[0]! + y * f[2]! + f[4]!, x * f[1]! + y * f[3]! + f[5]!), `${shape} at ${x}, ${y}`).toBe(rotated(u, v));
        }
      }
    }
  });

  it('rejects a latent of the wrong length, naming both lengths', () => {
    expect(() => latentSpec(new Float32Array(16))).toThrow(`latentSpec: z has 16 values, the render latent has ${RENDER_LATENT_DIM}`);
  });

  it('normalCdf matches known values', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1)).toBeCloseTo(0.8413447, 6);
    expect(normalCdf(-1.96)).toBeCloseTo(0.0249979, 6);
  });
});

describe('decoder losses', () => {
  it("the sigmoid's cross-entropy per image is Σ softplus(x) − t·x / B, with gradient (σ(x) − t) / B even where σ saturates", async () => {
    const rt = await init();
    const random = stream(2, 'bce-test');
    const xs = randn(2 * 3 * 5, random, 4);
    xs[0] = 30; // saturated: σ = 1 in float32, the squared error's gradient is 0 here
    const ts = Float32Array.from(xs, () => random());
    ts[0] = 0;
    const logits = Tensor.from(xs, [2, 3, 1, 5], { requiresGrad: true, runtime: rt });
    const target = Tensor.from(ts, [2, 3, 1, 5], { runtime: rt });
    const loss = sigmoidCrossEntropyPerImage(logits, target);
    const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    const expected = xs.reduce((acc, x, i) => acc + softplus(x) - ts[i]! * x, 0) / 2;
    expect(await loss.item()).toBeCloseTo(expected, 2);
    await loss.backward();
    const grad = await logits.grad!.toArray();
    xs.forEach((x, i) => expect(grad[i]!).toBeCloseTo((1 / (1 + Math.exp(-x)) - ts[i]!) / 2, 5));
    expect(grad[0]).toBeCloseTo(0.5, 5);
    [logits, target, loss].forEach((t) => t.dispose());
  });
});

describe('train-decoder', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'clipgpu-decoder-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const small = { steps: 30, batch: 8, lr: 1e-2, seed: 3, size: 8, channels: [8, 6], sigma: 0.15, beta: 1 };

  it('render objective: the loss falls and the file loads as a decoder', async () => {
    const lines: string[] = [];
    const out = path.join(dir, 'render.safetensors');
    await trainDecoder({ ...small, objective: 'render', latentDim: RENDER_LATENT_DIM, out, log: (l) => lines.push(l) });
    const losses = lines.filter((l) => l.startsWith('step ')).map((l) => Number(/loss ([\d.]+)/.exec(l)![1]));
    expect(losses.length).toBeGreaterThan(2);
    expect(losses.at(-1)!).toBeLessThan(0.8 * losses[0]!);
    const w = await readDecoderWeights(out);
    expect(w.architecture.latent_dim).toBe(RENDER_LATENT_DIM);
    expect(Object.keys(w.tensors).some((n) => n.startsWith('encoder.'))).toBe(false);
  }, 120_000);

  it.each([
    ['a framed pixel decoder', { loss: 'bce' as const }, /image [\d.]+ frame [\d.]+/],
    [
      'a composite framed pixel decoder drawing in the true frames',
      { composite: true, teacherFrame: true, loss: 'mse' as const },
      /image [\d.]+ coverage [\d.]+ frame [\d.]+/,
    ],
  ])(
    'render objective with %s on some pixels per step: the loss falls, each term is logged, the file loads',
    async (_, variant, terms) => {
      const lines: string[] = [];
      const out = path.join(dir, 'pixel.safetensors');
      await trainDecoder({
        ...small,
        objective: 'render',
        latentDim: RENDER_LATENT_DIM,
        mapping: [16],
        pixel: [12, 12],
        frame: true,
        pixelsPerStep: 40,
        ...variant,
        out,
        log: (l) => lines.push(l),
      });
      const losses = lines.filter((l) => l.startsWith('step ')).map((l) => Number(/loss ([\d.]+)/.exec(l)![1]));
      expect(losses.at(-1)!).toBeLessThan(0.8 * losses[0]!);
      const w = await readDecoderWeights(out);
      expect(w.architecture).toMatchObject({
        kind: 'pixel',
        size: [8, 8],
        mapping: [16],
        pixel: [12, 12],
        frame: true,
        ...('composite' in variant ? { composite: true } : {}),
      });
      expect(lines.find((l) => l.startsWith('step 1 '))).toMatch(terms);
    },
    120_000,
  );

  it("a composite decoder's image is a blend: --loss bce is refused", async () => {
    await expect(
      trainDecoder({
        ...small,
        objective: 'render',
        latentDim: RENDER_LATENT_DIM,
        pixel: [4],
        composite: true,
        loss: 'bce',
        out: path.join(dir, 'x.safetensors'),
      }),
    ).rejects.toThrow(/composite decoder's image is a blend, not a sigmoid: --loss bce does not apply/);
  });

  it('--init continues from a decoder file, and refuses one of another architecture', async () => {
    const init = path.join(dir, 'render.safetensors');
    const lines: string[] = [];
    await trainDecoder({
      ...small,
      steps: 2,
      objective: 'render',
      latentDim: RENDER_LATENT_DIM,
      init,
      out: path.join(dir, 'more.safetensors'),
      log: (l) => lines.push(l),
    });
    expect(lines).toContain(`continuing from ${init}`);
    const first = firstLoss(lines);
    const fresh: string[] = [];
    await trainDecoder({
      ...small,
      steps: 1,
      objective: 'render',
      latentDim: RENDER_LATENT_DIM,
      out: path.join(dir, 'fresh.safetensors'),
      log: (l) => fresh.push(l),
    });
    expect(first).toBeLessThan(firstLoss(fresh)); // starts where the first run got to
    await expect(
      trainDecoder({
        ...small,
        steps: 1,
        objective: 'render',
        latentDim: RENDER_LATENT_DIM,
        channels: [8, 5],
        init,
        out: path.join(dir, 'y.safetensors'),
      }),
    ).rejects.toThrow(/--init has architecture/);
  }, 120_000);

  it('--init from a plain decoder into one with coordinate channels, a mapping MLP and wider channels starts from the same function', async () => {
    const init = path.join(dir, 'render.safetensors');
    const loss1 = async (grow: { coords?: boolean; mapping?: number[]; channels?: number[] }) => {
      const lines: string[] = [];
      const out = path.join(dir, `grown-${JSON.stringify(grow)}.safetensors`);
      await trainDecoder({
        ...small,
        steps: 1,
        objective: 'render',
        latentDim: RENDER_LATENT_DIM,
        ...grow,
        init,
        out,
        log: (l) => lines.push(l),
      });
      return { loss: firstLoss(lines), weights: await readDecoderWeights(out) };
    };
    const plain = await loss1({});
    const coords = await loss1({ coords: true });
    const both = await loss1({ coords: true, mapping: [32, 40] });
    expect(coords.weights.tensors['blocks.0.conv.weight']!.shape).toEqual([6, 10, 3, 3]);
    expect(both.weights.architecture).toMatchObject({ coords: true, mapping: [32, 40] });
    expect(both.weights.tensors['dense.weight']!.shape).toEqual([8 * 16, 40]);
    // the first step sees the same images through the same function
    expect(coords.loss).toBeCloseTo(plain.loss, 2);
    expect(both.loss).toBeCloseTo(plain.loss, 2);
    await expect(loss1({ mapping: [20] })).rejects.toThrow(/--init has architecture/); // narrower than 2·latent: cannot carry z
    // and wider channels: the new ones are read by nothing yet
    const wide = await loss1({ coords: true, mapping: [32, 40], channels: [10, 9] });
    expect(wide.weights.tensors['blocks.0.conv.weight']!.shape).toEqual([9, 12, 3, 3]);
    expect(wide.weights.tensors['dense.weight']!.shape).toEqual([10 * 16, 40]);
    expect(wide.loss).toBeCloseTo(plain.loss, 2);
  }, 120_000);

  it('grownDecoder widens a decoder that has coordinates and a mapping already, keeping its function (float64)', () => {
    const w = randomDecoderWeights(decoderArchitecture({ latentDim: 5, size: 16, channels: [6, 5, 4], coords: true, mapping: [7] }), 4);
    for (const t of Object.values(w.tensors)) if (t.data.every((v) => v === 0)) t.data.set(randn(t.data.length, stream(9, 'bias'), 0.3)); // biases too
    const wide = grownDecoder(w, decoderArchitecture({ latentDim: 5, size: 16, channels: [9, 5, 7], coords: true, mapping: [7] }), 1)!;
    expect(wide.tensors['blocks.1.conv.weight']!.shape).toEqual([7, 7, 3, 3]);
    for (let k = 0; k < 3; k++) {
      const z = randn(5, stream(k, 'z'));
      const [a, b] = [decoderReference(w, z), decoderReference(wide, z)];
      expect(Math.max(...a.map((v, i) => Math.abs(v - b[i]!)))).toBeLessThan(1e-12);
    }
    // not a growth: narrower, another mapping, coordinates dropped
    for (const other of [{ channels: [6, 4, 4] }, { mapping: [8] }, { coords: false }])
      expect(
        grownDecoder(w, decoderArchitecture({ latentDim: 5, size: 16, channels: [6, 5, 4], coords: true, mapping: [7], ...other }), 1),
      ).toBeUndefined();
  });

  it('grownDecoder adds Fourier octaves to a pixel decoder, keeping its function (float64), and nothing else', () => {
    const arch = (fourier?: number, pixel = [6, 5]) =>
      decoderArchitecture({ latentDim: 5, size: 8, mapping: [7], pixel, frame: true, composite: true, fourier });
    const w = randomDecoderWeights(arch(1), 4);
    for (const t of Object.values(w.tensors)) if (t.data.every((v) => v === 0)) t.data.set(randn(t.data.length, stream(9, 'bias'), 0.3));
    const more = grownDecoder(w, arch(3), 1)!;
    expect(more.tensors['pixel.0.weight']!.shape).toEqual([6, 3 + 12 + 7]);
    for (let k = 0; k < 3; k++) {
      const z = randn(5, stream(k, 'z'));
      const [a, b] = [decoderReference(w, z), decoderReference(more, z)];
      expect(Math.max(...a.map((v, i) => Math.abs(v - b[i]!)))).toBeLessThan(1e-12);
    }
    expect(grownDecoder(w, arch(0), 1)).toBeUndefined(); // fewer octaves
    expect(grownDecoder(w, arch(3, [8, 5]), 1)).toBeUndefined(); // wider
  });

  it('vae objective runs and saves only the decoder', async () => {
    const out = path.join(dir, 'vae.safetensors');
    await trainDecoder({ ...small, steps: 3, objective: 'vae', latentDim: 4, out, log: () => {} });
    const w = await readDecoderWeights(out);
    expect(w.architecture.latent_dim).toBe(4);
    expect(Object.keys(w.tensors).some((n) => n.startsWith('encoder.'))).toBe(false);
  }, 120_000);

  it('render objective refuses a latent of another size', async () => {
    await expect(trainDecoder({ ...small, objective: 'render', latentDim: 16, out: path.join(dir, 'x.safetensors') })).rejects.toThrow(
      `the render objective's latent has ${RENDER_LATENT_DIM} values, not 16`,
    );
  });
});
