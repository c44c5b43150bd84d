// Lost devices, WebGPU validation errors and adapter limits. A device destroyed mid-run (what a
// driver reset or a lost tab looks like) must end in a clear rejected promise, not a hang or
// garbage, and init() must then give a new runtime the model can be reloaded on. A validation
// error must be thrown naming the kernel. A tensor over maxStorageBufferBindingSize must be
// refused before upload, naming the tensor and the limit, unless it is a gathered table, which is
// split in row blocks.
import { describe, expect, it } from 'vitest';
import { Program, type Gpu } from '@clipgpu/kernels';
import { generate, generators, init, loadClip, memoryFiles, ops, parseHfConfig, Runtime, Tensor, type Clip } from '@clipgpu/clip-runtime';
import { expectedTensors } from '@clipgpu/clip-runtime/internals';
import { tinyFiles, within } from './helpers.js';

const { config, model } = tinyFiles();
const files = () => memoryFiles({ 'config.json': config, 'model.safetensors': model }, 'tiny');
const pixels = (rt: Runtime) =>
  Tensor.from(
    Float32Array.from({ length: 2 * 3 * 30 * 30 }, (_, i) => Math.sin(i * 0.37)),
    [2, 3, 30, 30],
    { runtime: rt },
  );
const LOST = /GPU device lost|device (was )?lost|destroyed/i;

async function embed(clip: Clip, rt: Runtime): Promise<Float32Array> {
  const x = pixels(rt);
  const e = await clip.encodeImage(x);
  const out = (await e.toArray()) as Float32Array;
  [x, e].forEach((t) => t.dispose());
  return out;
}

describe('device loss', () => {
  it('device.destroy() during encodeImage rejects clearly; init() then makes a new runtime and the reloaded model matches', async () => {
    const rt = await init();
    const clip = await loadClip(files(), { runtime: rt });
    const reference = await embed(clip, rt);

    const x = pixels(rt);
    const pending = clip.encodeImage(x).then(async (e) => e.toArray()); // recorded, submitted, awaiting the GPU
    rt.gpu.device.destroy();
    const error = await within(pending, 20_000, 'encodeImage on a destroyed device').then(
      () => undefined,
      (e: Error) => e,
    );
    console.log(`encodeImage on a destroyed device: ${error?.name}: ${error?.message}`);
    expect(error?.message).toMatch(LOST);
    expect(error?.message).not.toMatch(/\n/);
    expect(rt.gpu.lost).toBe(true);
    // every later use says so at once, and cleaning up does not throw
    await expect(within(clip.encodeImage(x), 20_000, 'a second encodeImage')).rejects.toThrow(LOST);
    expect(() => Tensor.from([1, 2, 3])).toThrow(/device was lost; `await init\(\)` makes a new runtime/);
    x.dispose();
    clip.dispose();

    const rt2 = await init();
    expect(rt2).not.toBe(rt);
    expect(rt2.gpu.lost).toBe(false);
    const again = await loadClip(files());
    expect(again.runtime).toBe(rt2);
    const after = await embed(again, rt2);
    expect(Buffer.from(after.buffer).equals(Buffer.from(reference.buffer))).toBe(true);
    again.dispose();
  });

  it('device.destroy() during a generate() run and during a pending read-back rejects, no hang', async () => {
    // on the runtime init() made after the loss above (its kernels are compiled)
    const rt = await init();
    const clip = await loadClip(files(), { runtime: rt });
    const run = generate(clip, {
      prompts: [{ embedding: Float32Array.from({ length: 24 }, (_, i) => Math.cos(i)) }],
      generator: generators.pixels({ size: 32 }),
      steps: 50,
      cutn: 2,
      lr: 0.1,
    });
    const steps: number[] = [];
    const iterate = (async () => {
      for await (const s of run) {
        steps.push(s.step);
        if (s.step === 2) rt.gpu.device.destroy();
      }
    })();
    const error = await within(iterate, 30_000, 'generate() on a destroyed device').then(
      () => undefined,
      (e: Error) => e,
    );
    console.log(`generate() on a destroyed device: ${error?.name}: ${error?.message}`);
    expect(error?.message).toMatch(LOST);
    expect(steps).toEqual([1, 2]);
    run.dispose();
    clip.dispose();

    const other = await Runtime.create();
    const t = Tensor.from(new Float32Array(1 << 16).fill(3), [1 << 16], { runtime: other });
    const read = t.toArray();
    other.gpu.device.destroy();
    const readError = await within(read, 20_000, 'a read-back on a destroyed device').then(
      () => undefined,
      (e: Error) => e,
    );
    console.log(`toArray() on a destroyed device: ${readError?.name}: ${readError?.message}`);
    expect(readError?.message).toMatch(LOST);
    t.dispose();
  });
});

describe('validation errors', () => {
  const copy = new Program(
    'hardening_copy',
    `
@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3u) {
  if (id.x < arrayLength(&dst)) { dst[id.x] = src[id.x] * 2.0; }
}`,
  );

  async function expectKernelError(gpu: Gpu, record: () => void) {
    record();
    await expect(within(gpu.sync(), 20_000, 'sync after a bad dispatch')).rejects.toThrow(/webgpu: .*hardening_copy/s);
    // the error is reported once; the device goes on working
    const a = gpu.upload(new Float32Array([1, 2, 3, 4]));
    const b = gpu.createBuffer(16);
    gpu.run(copy, { buffers: { src: a, dst: b }, workgroups: [1] });
    expect(Array.from(await gpu.readF32(b))).toEqual([2, 4, 6, 8]);
    gpu.destroyBuffer(a);
    gpu.destroyBuffer(b);
  }

  it('a buffer without STORAGE usage, a buffer of another device, a destroyed buffer: thrown by sync() naming the kernel', async () => {
    const rt = await init();
    const gpu = rt.gpu;
    const src = gpu.upload(new Float32Array(64));
    const dst = gpu.createBuffer(256);
    // bypassing the launcher's checks: a map-read buffer bound as storage
    const mapRead = gpu.device.createBuffer({ size: 256, usage: 0x1 /* MAP_READ */ | 0x8 /* COPY_DST */ });
    await expectKernelError(gpu, () => gpu.run(copy, { buffers: { src, dst: mapRead }, workgroups: [1] }));
    // a tensor of one device used on another
    const other = await Runtime.create();
    const foreign = other.gpu.createBuffer(256);
    await expectKernelError(gpu, () => gpu.run(copy, { buffers: { src: foreign, dst }, workgroups: [1] }));
    // a buffer destroyed behind the runtime's back
    const gone = gpu.createBuffer(256);
    gone.destroy();
    await expectKernelError(gpu, () => gpu.run(copy, { buffers: { src: gone, dst }, workgroups: [1] }));
    [src, dst, gone].forEach((b) => gpu.destroyBuffer(b));
    mapRead.destroy();
    other.destroy();
  });

  it('launcher checks: a missing, unknown or too small buffer is refused before recording', async () => {
    const gpu = (await init()).gpu;
    const small = gpu.createBuffer(16);
    expect(() => gpu.run(copy, { buffers: { src: small }, workgroups: [1] })).toThrow("hardening_copy: missing buffer 'dst' (binding 1)");
    expect(() => gpu.run(copy, { buffers: { src: small, dst: small, x: small }, workgroups: [1] })).toThrow(
      /hardening_copy: unknown buffer 'x'/,
    );
    expect(() => gpu.run(copy, { buffers: { src: small, dst: small }, workgroups: [1], minBytes: { dst: 256 } })).toThrow(
      "hardening_copy: buffer 'dst' holds 16 bytes, needs 256",
    );
    expect(() => gpu.run(copy, { buffers: { src: small, dst: small }, workgroups: [1e9] })).toThrow(/workgroup count .* out of range/);
    gpu.destroyBuffer(small);
  });
});

describe('limits', () => {
  it('a tensor over maxStorageBufferBindingSize is refused before upload, naming the tensor and the limit', async () => {
    const small = await Runtime.create({ limits: { maxStorageBufferBindingSize: 4096 } });
    expect(small.gpu.limits.maxStorageBufferBindingSize).toBe(4096);
    expect(small.gpu.adapter.limits.maxStorageBufferBindingSize).toBe(4096);
    await expect(loadClip(files(), { runtime: small })).rejects.toThrow(
      // (the token embedding, over the limit too, would be split in row blocks: see the ViT-L/14 case)
      "model.safetensors: tensor 'text_model.encoder.layers.0.self_attn.q_proj.weight' [48, 48] needs 9216 bytes on the GPU, more than this device's maxStorageBufferBindingSize of 4096 bytes",
    );
    expect(small.stats()).toEqual({ allocatedBytes: 0, inUseBytes: 0, pooledBytes: 0, liveTensors: 0 });
    small.destroy();
  });

  it('weights that fit but an activation that does not: the dispatch is refused naming the kernel, buffer and limit', async () => {
    // the largest weight is 19200 bytes; two 26-token images of width 40 with 5 heads need more
    const tight = await Runtime.create({ limits: { maxStorageBufferBindingSize: 19_200 } });
    const clip = await loadClip(files(), { runtime: tight });
    const x = Tensor.from(new Float32Array(8 * 3 * 30 * 30), [8, 3, 30, 30], { runtime: tight });
    await expect(clip.encodeImage(x).catch((e) => Promise.reject(e))).rejects.toThrow(
      /^\w+: buffer '\w+' binds \d+ bytes, more than this device's maxStorageBufferBindingSize \(19200\)$/,
    );
    x.dispose();
    clip.dispose();
    tight.destroy();
  });

  it('maxBufferSize caps createBuffer', async () => {
    const rt = await Runtime.create({ limits: { maxBufferSize: 1 << 16 } });
    expect(() => rt.gpu.createBuffer(1 << 17, 'big')).toThrow("big: 131072 bytes exceed this device's maxBufferSize (65536)");
    expect(() => Tensor.empty([1 << 15], 'f32', rt)).toThrow(/tensor\[32768\]: 131072 bytes exceed this device's maxBufferSize \(65536\)/);
    rt.destroy();
    await expect(Runtime.create({ limits: { maxBufferSize: -1 } })).rejects.toThrow(
      'limits.maxBufferSize must be a positive integer, got -1',
    );
  });

  it('ViT-L/14 on the default 128 MiB binding limit: its 145 MiB token embedding loads in row blocks and gathers exactly', async () => {
    // a ViT-L/14 file with its true header and a virtual data section: float k of the data is value(k)
    const hf = parseHfConfig({
      projection_dim: 768,
      text_config: { hidden_size: 768, intermediate_size: 3072, num_attention_heads: 12, num_hidden_layers: 12 },
      vision_config: { hidden_size: 1024, intermediate_size: 4096, num_attention_heads: 16, num_hidden_layers: 24, patch_size: 14 },
    });
    const header: Record<string, unknown> = {};
    const at: Record<string, number> = {};
    let offset = 0;
    for (const [name, shape] of expectedTensors(hf)) {
      const bytes = shape.reduce((a, b) => a * b, 1) * 4;
      header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + bytes] };
      at[name] = offset / 4;
      offset += bytes;
    }
    const value = (k: number) => (((k * 2654435761) >>> 0) % 2001) / 1e5 - 0.01; // small, so the towers stay finite
    const json = new TextEncoder().encode(JSON.stringify(header));
    const head = new Uint8Array(8 + json.length);
    new DataView(head.buffer).setBigUint64(0, BigInt(json.length), true);
    head.set(json, 8);
    const source = {
      size: head.length + offset,
      label: 'vit-l-14/model.safetensors',
      read: async (from: number, n: number) => {
        if (from + n <= head.length) return head.subarray(from, from + n);
        const k0 = (from - head.length) / 4;
        return new Uint8Array(Float32Array.from({ length: n / 4 }, (_, i) => value(k0 + i)).buffer);
      },
    };
    const vitL = {
      label: 'vit-l-14',
      has: async (n: string) => n === 'model.safetensors' || n === 'config.json',
      text: async () => JSON.stringify({ ...hf }),
      bytes: async () => new Uint8Array(0),
      source: async () => source,
    };
    const rt = await Runtime.create({ limits: { maxStorageBufferBindingSize: 128 << 20 } });
    const clip = await loadClip(vitL, { runtime: rt });
    const blocks = clip.model.text_model.token_embedding;
    const rows = Math.floor((128 << 20) / (768 * 4)); // 43690 rows a block
    expect(blocks.map((t) => t.shape)).toEqual([
      [rows, 768],
      [49408 - rows, 768],
    ]);
    // ids on both sides of the block boundary gather the file's rows, bit for bit
    const ids = [0, rows - 1, rows, 49407, 5];
    const idTensor = Tensor.from(Int32Array.from(ids), [ids.length], { runtime: rt });
    const gathered = ops.embedding(blocks, idTensor, ids);
    const got = (await gathered.toArray()) as Float32Array;
    const base = at['text_model.embeddings.token_embedding.weight']!;
    const want = Float32Array.from(ids.flatMap((id) => Array.from({ length: 768 }, (_, d) => value(base + id * 768 + d))));
    expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true);
    // and the text tower runs, with OpenAI's tokenizer (the file ships none)
    const text = await clip.encodeText(['a photo of a cat']);
    expect(text.shape).toEqual([1, 768]);
    expect(((await text.toArray()) as Float32Array).every(Number.isFinite)).toBe(true);
    [idTensor, gathered, text].forEach((t) => t.dispose());
    clip.dispose();
    rt.destroy();
  });
});
