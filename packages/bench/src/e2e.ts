// End to end on a ViT-B/32 CLIP with random weights (built in memory with writeSafetensors, loaded
// with loadClip(memoryFiles(...))): cold start (load → first image embedding), image encode, text
// encode (77 tokens), and one CLIP-guided generation step (fourier generator, 224 px, cutn 16 on
// a GPU, 2 on a software adapter), batch 1. The generation step counts its dispatches per kernel
// and its matmul FLOPs (gpu.run wrapped while it runs): the breakdown is by dispatch count, since
// per-dispatch GPU time needs timestamp queries inside the runtime's own passes.
// Timing: wall clock around each call and its read-back (the runtime's calls sync themselves).
import { generate, loadClip, memoryFiles, Tensor, writeSafetensors, type Clip, type WritableTensor } from '@clipgpu/clip-runtime';
import { f32ToF16Bits } from '@clipgpu/clip-runtime/internals';
import type { Gpu } from '@clipgpu/kernels';
import { filled, median, round, type BenchOptions, type Log, type Row } from './core.js';

/** openai/clip-vit-base-patch32's shapes (Hugging Face's CLIPConfig defaults, spelled out). */
export const VIT_B32_CONFIG = {
  model_type: 'clip',
  projection_dim: 512,
  logit_scale_init_value: 2.6592,
  text_config: {
    vocab_size: 49408,
    hidden_size: 512,
    intermediate_size: 2048,
    num_attention_heads: 8,
    num_hidden_layers: 12,
    max_position_embeddings: 77,
    hidden_act: 'quick_gelu',
    layer_norm_eps: 1e-5,
    bos_token_id: 49406,
    eos_token_id: 49407,
    pad_token_id: 1,
  },
  vision_config: {
    hidden_size: 768,
    intermediate_size: 3072,
    num_attention_heads: 12,
    num_hidden_layers: 12,
    image_size: 224,
    patch_size: 32,
    num_channels: 3,
    hidden_act: 'quick_gelu',
    layer_norm_eps: 1e-5,
  },
};

/** Random f16 weights for every tensor the loader expects (norm gains near 1), as safetensors bytes. */
export function randomVitB32(): Uint8Array {
  const t = VIT_B32_CONFIG.text_config;
  const v = VIT_B32_CONFIG.vision_config;
  const shapes = new Map<string, number[]>();
  const encoder = (prefix: string, layers: number, w: number, mlp: number) => {
    for (let i = 0; i < layers; i++) {
      const p = `${prefix}.encoder.layers.${i}`;
      for (const proj of ['q_proj', 'k_proj', 'v_proj', 'out_proj'])
        shapes.set(`${p}.self_attn.${proj}.weight`, [w, w]).set(`${p}.self_attn.${proj}.bias`, [w]);
      for (const ln of ['layer_norm1', 'layer_norm2']) shapes.set(`${p}.${ln}.weight`, [w]).set(`${p}.${ln}.bias`, [w]);
      shapes
        .set(`${p}.mlp.fc1.weight`, [mlp, w])
        .set(`${p}.mlp.fc1.bias`, [mlp])
        .set(`${p}.mlp.fc2.weight`, [w, mlp])
        .set(`${p}.mlp.fc2.bias`, [w]);
    }
  };
  shapes.set('text_model.embeddings.token_embedding.weight', [t.vocab_size, t.hidden_size]);
  shapes.set('text_model.embeddings.position_embedding.weight', [t.max_position_embeddings, t.hidden_size]);
  encoder('text_model', t.num_hidden_layers, t.hidden_size, t.intermediate_size);
  shapes.set('text_model.final_layer_norm.weight', [t.hidden_size]).set('text_model.final_layer_norm.bias', [t.hidden_size]);
  const grid = v.image_size / v.patch_size;
  shapes.set('vision_model.embeddings.class_embedding', [v.hidden_size]);
  shapes.set('vision_model.embeddings.patch_embedding.weight', [v.hidden_size, 3, v.patch_size, v.patch_size]);
  shapes.set('vision_model.embeddings.position_embedding.weight', [grid * grid + 1, v.hidden_size]);
  for (const ln of ['pre_layrnorm', 'post_layernorm'])
    shapes.set(`vision_model.${ln}.weight`, [v.hidden_size]).set(`vision_model.${ln}.bias`, [v.hidden_size]);
  encoder('vision_model', v.num_hidden_layers, v.hidden_size, v.intermediate_size);
  shapes.set('visual_projection.weight', [512, v.hidden_size]).set('text_projection.weight', [512, t.hidden_size]);
  // one table of random halves, indexed by an LCG: 151M values in a second or two
  const table = f32ToF16Bits(filled(4096, 11, 0.04));
  const ones = f32ToF16Bits(new Float32Array(4096).map((_x, i) => 1 + (table[i] & 7) / 100));
  const tensors: Record<string, WritableTensor> = {};
  let s = 12345;
  for (const [name, shape] of shapes) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Uint16Array(n);
    const src = /(norm|layrnorm)\d?\.weight$/.test(name) ? ones : table;
    for (let i = 0; i < n; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      data[i] = src[s >>> 20];
    }
    tensors[name] = { dtype: 'F16', shape, data };
  }
  tensors.logit_scale = { dtype: 'F32', shape: [], data: new Float32Array([Math.log(100)]) };
  return writeSafetensors(tensors);
}

function counting(gpu: Gpu) {
  const byKernel = new Map<string, number>();
  let matmulFlops = 0;
  const orig = gpu.run;
  gpu.run = function (program, args) {
    byKernel.set(program.name, (byKernel.get(program.name) ?? 0) + 1);
    if (program.name.startsWith('matmul')) {
      const u = args.uniforms ?? {};
      matmulFlops += 2 * Number(u.M) * Number(u.N) * Number(u.K) * (args.workgroups[2] ?? 1);
    }
    return orig.call(this, program, args);
  };
  return { byKernel, flops: () => matmulFlops, stop: () => void (gpu.run = orig) };
}

const e2eRow = (name: string, shape: string, ms: number[], firstMs: number, flops: number, notes: string): Row => {
  const med = median(ms);
  return {
    family: 'e2e',
    name,
    shape,
    variant: 'f16 weights',
    direction: 'e2e',
    impl: 'clipgpu',
    flops,
    bytes: 0,
    firstMs: round(firstMs),
    medianMs: round(med),
    minMs: round(Math.min(...ms)),
    runs: ms.length,
    reps: 1,
    timing: 'wall-clock+readback',
    gflops: round(flops / med / 1e6),
    gbps: 0,
    notes,
  };
};

export async function benchE2e(opts: BenchOptions, software: boolean, log: Log, errors: string[]): Promise<Row[]> {
  const rows: Row[] = [];
  const runs = opts.quick ? 1 : Math.min(opts.runs, 10);
  let clip: Clip | undefined;
  try {
    log('e2e: ViT-B/32 with random f16 weights, built in memory');
    const bytes = randomVitB32();
    const files = { 'config.json': JSON.stringify(VIT_B32_CONFIG), 'model.safetensors': bytes };
    const pixels = filled(3 * 224 * 224, 13, 2);
    const t0 = performance.now();
    clip = await loadClip(memoryFiles(files, 'vit-b32-random'), { dtype: 'f16' });
    const loadMs = performance.now() - t0;
    const gpu = clip.runtime.gpu;
    const encodeImage = async (): Promise<{ ms: number; flops: number }> => {
      const c = counting(gpu);
      const t = performance.now();
      const x = Tensor.from(pixels, [1, 3, 224, 224], { runtime: clip!.runtime });
      const e = await clip!.encodeImage(x);
      await e.toArray();
      [x, e].forEach((z) => z.dispose());
      c.stop();
      return { ms: performance.now() - t, flops: c.flops() };
    };
    const first = await encodeImage();
    log(`  cold start: load ${round(loadMs)} ms + first image embedding ${round(first.ms)} ms`);
    rows.push(
      e2eRow(
        'cold start (load → first image embedding)',
        `${(bytes.length / 1e6).toFixed(0)} MB f16`,
        [loadMs + first.ms],
        loadMs + first.ms,
        first.flops,
        `load ${round(loadMs)} ms, first encode ${round(first.ms)} ms`,
      ),
    );
    const img: number[] = [];
    for (let i = 0; i < runs; i++) img.push((await encodeImage()).ms);
    rows.push(e2eRow('image encode ViT-B/32', '1×3×224×224', img, first.ms, first.flops, 'FLOPs = matmul FLOPs counted at dispatch'));
    log(`  image encode: ${round(median(img))} ms`);

    const ids = new Int32Array(77).map((_, i) => (i === 76 ? 49407 : 1 + ((i * 7919) % 49000)));
    const encodeText = async (): Promise<{ ms: number; flops: number }> => {
      const c = counting(gpu);
      const t = performance.now();
      const x = Tensor.from(ids, [1, 77], { runtime: clip!.runtime });
      const e = await clip!.encodeText(x);
      await e.toArray();
      [x, e].forEach((z) => z.dispose());
      c.stop();
      return { ms: performance.now() - t, flops: c.flops() };
    };
    const tfirst = await encodeText();
    const txt: number[] = [];
    for (let i = 0; i < runs; i++) txt.push((await encodeText()).ms);
    rows.push(e2eRow('text encode (77 tokens)', '1×77', txt, tfirst.ms, tfirst.flops, 'FLOPs = matmul FLOPs counted at dispatch'));
    log(`  text encode: ${round(median(txt))} ms`);

    if (opts.onnx) rows.push(...(await benchOrt(pixels, first.flops, log, errors)));
    if (opts.gen === false) return rows;
    const cutn = software ? 2 : 16;
    const run = generate(clip, { prompts: [{ embedding: filled(512, 17, 1) }], generator: 'fourier', size: 224, steps: 2, cutn });
    let prev = performance.now();
    let firstStep = 0;
    let c = counting(gpu);
    for await (const s of run) {
      const now = performance.now();
      if (s.step === 1) {
        firstStep = now - prev;
        c.stop();
        c = counting(gpu);
        prev = performance.now();
        continue;
      }
      c.stop();
      const ms = now - prev;
      const top = [...c.byKernel].sort((a, b) => b[1] - a[1]);
      const total = top.reduce((a, [, n]) => a + n, 0);
      const breakdown = top
        .slice(0, 8)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ');
      rows.push(
        e2eRow(
          `guided generation step (fourier, cutn ${cutn})`,
          `224 px, cutn ${cutn}`,
          [ms],
          firstStep,
          c.flops(),
          `${total} dispatches: ${breakdown}${top.length > 8 ? ', …' : ''}`,
        ),
      );
      log(`  generation step: ${round(ms)} ms (first ${round(firstStep)} ms), ${total} dispatches`);
    }
    run.dispose();
  } catch (e) {
    const msg = `e2e: ${String((e as Error).message ?? e).split('\n')[0]}`;
    errors.push(msg);
    log(`  ERROR ${msg}`);
  } finally {
    clip?.dispose();
  }
  return rows;
}

/**
 * onnxruntime-web's WebGPU execution provider on the same encoder exported to ONNX (f32 weights,
 * onnx/export_vit_b32.py), in a page only: the driver serves its files under ./ort/ and the model
 * under ./onnx/. 1 image: session create, first run (its shader compile), one timed run; outputs
 * come back to the CPU (ORT's default), as ours do.
 */
async function benchOrt(pixels: Float32Array, flops: number, log: Log, errors: string[]): Promise<Row[]> {
  try {
    const url = './ort/ort.webgpu.bundle.min.js';
    const ort = await import(/* @vite-ignore */ url);
    ort.env.wasm.wasmPaths = { wasm: new URL('./ort/ort-wasm-simd-threaded.jsep.wasm', location.href).href };
    ort.env.wasm.numThreads = 1;
    const t0 = performance.now();
    const session = await ort.InferenceSession.create('./onnx/vit-b32-random.onnx', { executionProviders: ['webgpu'] });
    const createMs = performance.now() - t0;
    const feeds = { pixels: new ort.Tensor('float32', pixels, [1, 3, 224, 224]) };
    const t1 = performance.now();
    await session.run(feeds);
    const firstMs = performance.now() - t1;
    const t2 = performance.now();
    const out = await session.run(feeds);
    const ms = performance.now() - t2;
    log(
      `  onnxruntime-web ${ort.env.versions?.web ?? ''} webgpu: create ${round(createMs)} ms, first run ${round(firstMs)} ms, run ${round(ms)} ms (output ${out.image_embeds?.dims})`,
    );
    await session.release();
    const row = e2eRow(
      'image encode ViT-B/32',
      '1×3×224×224',
      [ms],
      firstMs,
      flops,
      `session create ${round(createMs)} ms; f32 weights; FLOPs: ours, counted`,
    );
    return [{ ...row, impl: 'onnxruntime-web-webgpu', variant: 'f32 weights' }];
  } catch (e) {
    const msg = `onnxruntime-web: ${String((e as Error).message ?? e).split('\n')[0]}`;
    errors.push(msg);
    log(`  ERROR ${msg}`);
    return [];
  }
}
