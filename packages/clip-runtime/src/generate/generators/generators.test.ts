// The built-in generators: each render against an independent float64 reference (numpy's irfft2
// for the Fourier one, CPU loops for SIREN and the decoder), gradients through each against
// central differences, and the decoder's weights file.
import { describe, expect, it } from 'vitest';
import { init, noGrad, ops, Tensor, tidy } from '@clipgpu/clip-runtime';
import {
  Cutouts,
  checkArchitecture,
  decoder,
  decoderArchitecture,
  decoderTensorShapes,
  defaultMinCutSize,
  fourier,
  generators,
  sampleBoxes,
  mulberry32,
  pixels,
  randomDecoderWeights,
  readDecoderWeights,
  siren,
  sirenCoordinates,
  stream,
  upsampleNearest2x,
  writeDecoderWeights,
  type Generator,
  type GeneratorFactory,
} from '../index.js';
import { checkDirectional, generateFixture, relL2 } from '../../testing/generate.js';
import { decoderReference } from './decoder.ref.js';

const rt = await init();
const ctx = (seed = 0) => ({ runtime: rt, seed, random: stream(seed, 'init') });
const make = async (f: GeneratorFactory, seed = 0) => await f.create(ctx(seed));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Σ w ∘ render() with fixed random w: a scalar whose gradient reaches every parameter. */
function weightedSum(g: Generator, seed = 9) {
  const probe = noGrad(() => g.render());
  const w = Tensor.from(
    Float32Array.from({ length: probe.size }, mulberry32(seed)).map((x) => x - 0.5),
    probe.shape,
  );
  probe.dispose();
  return { w, loss: () => tidy(() => ops.sum(ops.mul(g.render(), w))) };
}

async function rendered(g: Generator): Promise<Float32Array> {
  const img = noGrad(() => g.render());
  const data = (await img.toArray()) as Float32Array;
  img.dispose();
  return data;
}

describe('pixels', () => {
  it('renders sigmoid(logits) and routes gradients', async () => {
    const init = Float32Array.from({ length: 3 * 5 * 7 }, (_, i) => Math.sin(i) * 3);
    const g = await make(pixels({ size: [5, 7], init }));
    expect(g.parameters[0].shape).toEqual([1, 3, 5, 7]);
    const img = await rendered(g);
    expect(relL2(img, init.map(sigmoid))).toBeLessThan(1e-6);
    const { w, loss } = weightedSum(g);
    await checkDirectional('pixels', g.parameters, loss);
    w.dispose();
    g.dispose();
    expect(() => pixels({ size: 4, init: [1, 2] })).toThrow(/'init' has 2 values, a 4×4 RGB image needs 48/);
    expect(() => pixels({ size: 0 })).toThrow(/'size' must be a positive integer/);
  });
});

describe('fourier', () => {
  it("matches Lucid's fft_image + decorrelated sigmoid through numpy's irfft2 (12×9, odd width)", async () => {
    const fx = await generateFixture();
    const spectrum = await fx.get('fourier.spectrum');
    const image = await fx.get('fourier.image');
    expect(spectrum.shape).toEqual([3, 24, 5]);
    const g = await make(fourier({ size: [12, 9], init: spectrum.data }));
    expect(g.parameters[0].shape).toEqual([3, 24, 5]);
    expect(relL2(await rendered(g), image.data)).toBeLessThan(1e-5);
    g.dispose();
  });

  it('even sizes: an impulse spectrum gives the cosine the DFT says; gradients route', async () => {
    const [h, w, w2] = [8, 10, 6];
    const init = new Float32Array(3 * 2 * h * w2);
    init[1 * w2 + 2] = 0.01; // channel 0, real part at (ky 1, kx 2)
    const g = await make(fourier({ size: [h, w], init, decorrelate: false }));
    const img = await rendered(g);
    const scale = Math.sqrt(h * w) / Math.hypot(2 / 10, 1 / 8); // √(hw) / |(fx, fy)|
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        // irfft2 of a single (non-edge) coefficient c at (1, 2): (2/(hw)) · c · cos(2π(y/8 + 2x/10)); /4; sigmoid
        const v = ((2 / (h * w)) * 0.01 * scale * Math.cos(2 * Math.PI * (y / 8 + (2 * x) / 10))) / 4;
        expect(img[y * w + x]).toBeCloseTo(sigmoid(v), 6);
        expect(img[h * w + y * w + x]).toBeCloseTo(0.5, 6);
      }
    g.dispose();
    const g2 = await make(fourier({ size: [6, 8], std: 1 }), 3);
    const { w: wt, loss } = weightedSum(g2);
    await checkDirectional('fourier', g2.parameters, loss);
    wt.dispose();
    g2.dispose();
  });
});

describe('siren', () => {
  it('matches a float64 forward and trains its weights through linear', async () => {
    const [h, w, layers, width, w0] = [5, 6, 3, 8, 30];
    const g = await make(siren({ size: [h, w], layers, width, w0 }));
    expect(g.parameters.map((p) => p.shape)).toEqual([[8, 2], [8], [8, 8], [8], [8, 8], [8], [3, 8], [3]]);
    const P = (await Promise.all(g.parameters.map((p) => p.toArray()))) as Float32Array[];
    // siren-pytorch's init bounds
    expect(Math.max(...P[0].map(Math.abs))).toBeLessThanOrEqual(0.5);
    expect(Math.max(...P[2].map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / 8) / 30);
    const coords = sirenCoordinates(h, w);
    const expected = new Float64Array(3 * h * w);
    for (let i = 0; i < h * w; i++) {
      let x: number[] = [coords[2 * i], coords[2 * i + 1]];
      for (let l = 0; l <= layers; l++) {
        const W = P[2 * l];
        const b = P[2 * l + 1];
        const out = Array.from(b, (bias, o) => x.reduce((s, xi, k) => s + W[o * x.length + k] * xi, bias));
        x = l < layers ? out.map((v) => Math.sin(w0 * v)) : out;
      }
      for (let c = 0; c < 3; c++) expected[c * h * w + i] = sigmoid(x[c]);
    }
    expect(relL2(await rendered(g), expected)).toBeLessThan(2e-5);
    g.dispose();
    // gradients: a lower frequency so a central difference resolves them
    const g2 = await make(siren({ size: 4, layers: 2, width: 6, w0: 3 }), 1);
    const { w: wt, loss } = weightedSum(g2);
    await checkDirectional('siren', g2.parameters, loss);
    wt.dispose();
    g2.dispose();
  });
});

describe('decoder', () => {
  const arch = decoderArchitecture({ latentDim: 6, size: 8, base: 2, channels: [5, 4, 3] });
  const coordArch = decoderArchitecture({ latentDim: 6, size: 8, base: 2, channels: [5, 4, 3], coords: true, mapping: [7, 5] });
  const pixelArch = decoderArchitecture({ latentDim: 6, size: 8, mapping: [7, 5], pixel: [6, 4] });
  const framedArch = decoderArchitecture({ latentDim: 6, size: 8, mapping: [7, 5], pixel: [6, 4], frame: true });
  const compositeArch = decoderArchitecture({
    latentDim: 6,
    size: 8,
    mapping: [7, 5],
    pixel: [6, 4],
    frame: true,
    composite: true,
    fourier: 2,
  });

  it('nearest 2× upsampling is exact, and its gradient sums the four copies', async () => {
    const data = Float32Array.from({ length: 2 * 3 * 2 * 3 }, (_, i) => i * 0.5 - 3);
    const x = Tensor.from(data, [2, 3, 2, 3], { requiresGrad: true });
    const y = upsampleNearest2x(x);
    expect(y.shape).toEqual([2, 3, 4, 6]);
    const out = await y.toArray();
    for (let i = 0; i < out.length; i++) {
      const [b, c, yy, xx] = [Math.floor(i / 72), Math.floor(i / 24) % 3, Math.floor(i / 6) % 4, i % 6];
      expect(out[i]).toBe(data[((b * 3 + c) * 2 + (yy >> 1)) * 3 + (xx >> 1)]);
    }
    const s = ops.sum(y);
    await s.backward();
    expect([...(await x.grad!.toArray())]).toEqual(new Array(36).fill(4));
    [x, y, s].forEach((t) => t.dispose());
  });

  it.each([
    ['plain', arch, 1e-3],
    ['with coordinate channels and a mapping MLP', coordArch, 1e-3],
    // 640 leaky units over 64 pixels: a step of 1e-3 crosses kinks (4% off); 3e-4 converges (1e-4)
    ['a pixel decoder (an MLP per pixel, steered by the mapped latent)', pixelArch, 3e-4],
    ['a pixel decoder reading each pixel in a frame its latent places', framedArch, 3e-4],
    ['a composite pixel decoder (a coverage blending two colours) reading Fourier features', compositeArch, 3e-4],
  ])('%s: writes and reads its weights file, renders as the float64 reference, trains only z', async (_, arch, eps) => {
    const wts = randomDecoderWeights(arch, 4);
    for (const t of Object.values(wts.tensors)) if (t.shape.length > 1) t.data.forEach((_, i, d) => (d[i] = d[i] * 1.5));
    Object.values(wts.tensors).forEach((t) => t.shape.length === 1 && t.data.forEach((_, i, d) => (d[i] = 0.05 * Math.sin(i + 1))));
    const bytes = writeDecoderWeights(wts);
    const back = await readDecoderWeights(bytes);
    expect(back.architecture).toEqual(arch);
    for (const [name, t] of Object.entries(wts.tensors)) expect(back.tensors[name].data, name).toEqual(t.data);
    const half = await readDecoderWeights(writeDecoderWeights(wts, { dtype: 'F16' }));
    const head = arch.kind === 'pixel' && arch.composite ? 'to_alpha.weight' : 'to_rgb.weight';
    expect(relL2(half.tensors[head].data, wts.tensors[head].data)).toBeLessThan(1e-3);

    const z = Float32Array.from({ length: 6 }, (_, i) => Math.cos(i) * 1.2);
    const factory = decoder(bytes, { latent: z });
    expect(factory.size).toBeUndefined(); // known once the file is read
    const g = await make(factory);
    expect(g.parameters.map((p) => p.shape)).toEqual([[1, 6]]);
    const img = await rendered(g);
    expect(img.length).toBe(3 * 8 * 8);
    expect(relL2(img, decoderReference(back, z))).toBeLessThan(1e-5);
    const { w, loss } = weightedSum(g);
    // a small step: leaky ReLU's kinks bias wider central differences
    await checkDirectional('decoder', g.parameters, loss, { eps });
    w.dispose();
    g.dispose();
    // in memory: the size is known up front
    expect(decoder(wts).size).toEqual([8, 8]);
  });

  it('a pixel decoder draws at any size, as the float64 reference at those pixel centres; a conv decoder only at its own', async () => {
    const z = Float32Array.from({ length: 6 }, (_, i) => Math.sin(i + 0.5));
    for (const [name, a] of [
      ['framed composite', compositeArch],
      ['plain pixel', pixelArch],
    ] as const) {
      const wts = randomDecoderWeights(a, 2);
      for (const size of [
        [16, 16],
        [5, 12],
      ] as const) {
        const factory = decoder(wts, { latent: z, size: [size[0], size[1]] });
        expect(factory.size, name).toEqual(size);
        const g = await make(factory);
        const img = await rendered(g);
        expect(img.length, `${name} ${size}`).toBe(3 * size[0] * size[1]);
        expect(relL2(img, decoderReference(wts, z, size)), `${name} ${size}`).toBeLessThan(1e-5);
        g.dispose();
      }
    }
    const conv = randomDecoderWeights(arch, 1);
    expect(decoder(conv, { size: 8 }).size).toEqual([8, 8]);
    expect(() => decoder(conv, { size: 16 })).toThrow(/this conv decoder's weights fix its images at 8×8; it cannot draw 16×16/);
    await expect(decoder(writeDecoderWeights(conv), { size: 16 }).create(ctx())).rejects.toThrow(/fix its images at 8×8/);
    expect(() => decoder(conv, { size: 0 })).toThrow(/'size' must be a positive integer/);
    // decoder({ size }) is the options form: the embedded decoder (or a random one) at that size
    expect(decoder({ size: 48 }).size).toEqual([48, 48]);
    expect(decoder({ random: true, size: 16, latentDim: 6 }).size).toEqual([16, 16]);
  });

  it('says what is wrong with a weights file or options', async () => {
    const wts = randomDecoderWeights(arch, 1);
    await expect(readDecoderWeights(new Uint8Array(8))).rejects.toThrow();
    const { writeSafetensors } = await import('@clipgpu/clip-runtime');
    const foreign = writeSafetensors({ x: { dtype: 'F32', shape: [1], data: new Float32Array(1) } }, { format: 'pt' });
    await expect(readDecoderWeights(foreign)).rejects.toThrow(/not a decoder weights file/);
    expect(() => decoder(wts, { latentDim: 7 })).toThrow(/latentDim 7 does not match the weights' latent_dim 6/);
    await expect(decoder(writeDecoderWeights(wts), { latentDim: 9 }).create(ctx())).rejects.toThrow(/latentDim 9 does not match/);
    expect(() =>
      writeDecoderWeights({ ...wts, tensors: { ...wts.tensors, 'to_rgb.bias': { shape: [4], data: new Float32Array(4) } } }),
    ).toThrow(/'to_rgb.bias' has shape \[4\], the architecture needs \[3\]/);
    expect(() => decoderArchitecture({ size: 24 })).toThrow(/size 24 is not 4·2\^k/);
    expect(() => checkArchitecture({ ...coordArch, coords: 'yes' })).toThrow(/'coords' must be true or false, got "yes"/);
    expect(() => checkArchitecture({ ...coordArch, mapping: [4, 0] })).toThrow(
      /'mapping' must be a list of positive integers, got \[4,0\]/,
    );
    expect(() => checkArchitecture({ ...coordArch, kind: 'gan' })).toThrow(/'kind' must be 'conv' or 'pixel', got "gan"/);
    expect(() => checkArchitecture({ ...pixelArch, pixel: [] })).toThrow(/'pixel' must be a non-empty list of positive integers, got \[\]/);
    expect(() => checkArchitecture({ ...pixelArch, mapping: undefined })).toThrow(/of kind 'pixel' needs a 'mapping' MLP/);
    expect(() => checkArchitecture({ ...pixelArch, frame: 1 })).toThrow(/'frame' must be true or false, got 1/);
    expect(() => checkArchitecture({ ...pixelArch, composite: 'yes' })).toThrow(/'composite' must be true or false, got "yes"/);
    expect(
      decoderTensorShapes(compositeArch)
        .slice(4, 8)
        .map(([n, s]) => `${n} ${s}`),
    ).toEqual(['frame.weight 4,5', 'frame.bias 4', 'colors.weight 6,5', 'colors.bias 6']);
    expect(() => checkArchitecture({ ...pixelArch, fourier: 9 })).toThrow(/'fourier' must be an integer 0 … 8, got 9/);
    expect(decoderTensorShapes(compositeArch)[8]!.join(' ')).toBe('pixel.0.weight 6,16'); // u, v, u² + v², 8 Fourier features, 5 style
    expect(
      decoderTensorShapes(compositeArch)
        .slice(-2)
        .map(([n, s]) => `${n} ${s}`),
    ).toEqual(['to_alpha.weight 1,4', 'to_alpha.bias 1']);
    expect(
      decoderTensorShapes(framedArch)
        .slice(4, 7)
        .map(([n, s]) => `${n} ${s}`),
    ).toEqual(['frame.weight 4,5', 'frame.bias 4', 'pixel.0.weight 6,8']);
    expect(
      decoderTensorShapes(pixelArch)
        .slice(4)
        .map(([n, s]) => `${n} ${s}`),
    ).toEqual(['pixel.0.weight 6,7', 'pixel.0.bias 6', 'pixel.1.weight 4,11', 'pixel.1.bias 4', 'to_rgb.weight 3,4', 'to_rgb.bias 3']);
    expect(
      decoderTensorShapes(coordArch)
        .slice(0, 5)
        .map(([n, s]) => `${n} ${s}`),
    ).toEqual(['mapping.0.weight 7,6', 'mapping.0.bias 7', 'mapping.1.weight 5,7', 'mapping.1.bias 5', 'dense.weight 20,5']);
    expect(decoderTensorShapes(coordArch).find(([n]) => n === 'blocks.0.conv.weight')![1]).toEqual([4, 7, 3, 3]);
    await expect(decoder('/nonexistent/decoder.safetensors').create(ctx())).rejects.toThrow(
      /cannot open '\/nonexistent\/decoder.safetensors'/,
    );
    expect(Object.keys(generators)).toEqual(['pixels', 'fourier', 'siren', 'decoder']);
  });
});

describe('cutouts', () => {
  it("samples VQGAN+CLIP's crops: integer squares inside the image, smaller with a larger cutPow", () => {
    const r = mulberry32(3);
    const mean = (pow: number) => {
      const b = sampleBoxes(40, 50, 400, pow, 10, r);
      for (let i = 0; i < b.length; i += 4) {
        const [x, y, w, h] = b.slice(i, i + 4);
        expect(
          Number.isInteger(x) && Number.isInteger(y) && w === h && w >= 10 && w <= 40 && x + w <= 50 && y + h <= 40 && x >= 0 && y >= 0,
        ).toBe(true);
      }
      return b.filter((_, i) => i % 4 === 2).reduce((a, v) => a + v, 0) / 400;
    };
    expect(mean(3)).toBeLessThan(mean(1) - 5);
    expect(defaultMinCutSize(224, 224, 224)).toBe(112);
    expect(defaultMinCutSize(16, 20, 30)).toBe(8);
    expect(() => sampleBoxes(16, 16, 1, 1, 20, r)).toThrow(
      /minCutSize 20\) must be an integer between 1 and the image's shorter side \(16 px\)/,
    );
  });

  it('flips exactly, jitters colours and adds noise from the seeded stream only', async () => {
    const img = Tensor.from(Float32Array.from({ length: 3 * 12 * 12 }, mulberry32(1)), [1, 3, 12, 12]);
    const boxes = [0, 0, 12, 12, 2, 3, 7, 7];
    const plain = new Cutouts(rt, { cutSize: 6, cutn: 2, augment: false });
    const flip = new Cutouts(rt, { cutSize: 6, cutn: 2, augment: { flip: true, translate: 0, color: 0, noise: 0 } });
    const read = async (c: Cutouts, random: () => number) => {
      const { cutouts } = c.make(img, random, boxes);
      const out = (await cutouts.toArray()) as Float32Array;
      cutouts.dispose();
      return out;
    };
    const a = await read(plain, mulberry32(0));
    const mirrored = a.map((_, i) => a[i - (i % 6) + 5 - (i % 6)]);
    expect(await read(flip, () => 0.25)).toEqual(mirrored); // every draw < ½: all flipped
    expect(await read(flip, () => 0.75)).toEqual(a);
    const all = new Cutouts(rt, { cutSize: 6, cutn: 2 });
    const [x, y] = [await read(all, mulberry32(9)), await read(all, mulberry32(9))];
    expect(x).toEqual(y);
    expect(relL2(x, a)).toBeGreaterThan(0.01);
    [plain, flip, all].forEach((c) => c.dispose());
    img.dispose();
  });
});
