// End to end on a ViT-B/32 CLIP with random weights (built in memory with writeSafetensors, loaded
// with loadClip(memoryFiles(...))), batch 1: cold start (load → first image embedding), image
// encode (interleaved with onnxruntime-web's two WebGPU EPs when asked: ort.ts), text encode
// (77 tokens), and one CLIP-guided generation step (step.ts). Each row says the peak GPU memory
// its work held (storage buffers made through the Gpu, the runtime's pool and the weights
// included) and how much of it the work itself added.
// Timing: wall clock around each call and its read-back (the runtime's calls sync themselves).
import { type Clip, loadClip, memoryFiles, Tensor, type WritableTensor, writeSafetensors } from '@clipgpu/clip-runtime';
import { f32ToF16Bits } from '@clipgpu/clip-runtime/internals';
import { type BenchOptions, type Contender, errorText, filled, type Log, measureInterleaved, type Row, round, Stopped } from './core.js';
import { countFlops, e2eRow, memoryNote, watchMemory } from './e2e-measure.js';

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

export async function benchE2e(
  opts: BenchOptions,
  software: boolean,
  log: Log,
  errors: string[],
  emit: (r: Row) => void,
  check: () => void,
): Promise<void> {
  const runs = Math.min(opts.runs, 10);
  const m = { runs, warmup: 0, check };
  let clip: Clip | undefined;
  try {
    log('e2e: ViT-B/32 with random f16 weights, built in memory');
    const bytes = randomVitB32();
    const files = { 'config.json': JSON.stringify(VIT_B32_CONFIG), 'model.safetensors': bytes };
    const pixels = filled(3 * 224 * 224, 13, 2);
    const t0 = performance.now();
    clip = await loadClip(memoryFiles(files, 'vit-b32-random'), { dtype: 'f16' });
    const loadMs = performance.now() - t0;
    const rt = clip.runtime;
    const encode = async (ids?: Int32Array): Promise<{ ms: number; flops: number }> => {
      const c = countFlops(rt.gpu);
      const t = performance.now();
      const x = ids ? Tensor.from(ids, [1, 77], { runtime: rt }) : Tensor.from(pixels, [1, 3, 224, 224], { runtime: rt });
      const e = ids ? await clip!.encodeText(x) : await clip!.encodeImage(x);
      await e.toArray();
      [x, e].forEach((z) => z.dispose());
      c.stop();
      return { ms: performance.now() - t, flops: c.flops() };
    };
    let mem = watchMemory(rt);
    const first = await encode();
    const firstMem = mem.stop();
    log(`  cold start: load ${round(loadMs)} ms + first image embedding ${round(first.ms)} ms`);
    const cold = { firstMs: loadMs + first.ms, medianMs: loadMs + first.ms, minMs: loadMs + first.ms };
    emit(
      e2eRow(
        'cold start (load → first image embedding)',
        `${(bytes.length / 1e6).toFixed(0)} MB f16`,
        cold,
        1,
        first.flops,
        `load ${round(loadMs)} ms, first encode ${round(first.ms)} ms`,
      ),
    );

    // image encode, interleaved with onnxruntime-web's EPs when asked
    const ours: Contender = { first: async () => first.ms, sample: async () => (await encode()).ms };
    const peers = opts.onnx ? await (await import('./ort.js')).ortContenders(pixels, log, errors) : [];
    mem = watchMemory(rt);
    const measured = await measureInterleaved([ours, ...peers.map((p) => p.contender)], m);
    const imgMem = mem.stop();
    emit(
      e2eRow(
        'image encode ViT-B/32',
        '1×3×224×224',
        measured[0],
        runs,
        first.flops,
        `FLOPs = matmul FLOPs counted at dispatch; ${memoryNote(imgMem)}; first-run ${memoryNote(firstMem)}`,
      ),
    );
    peers.forEach((p, i) =>
      emit({
        ...e2eRow('image encode ViT-B/32', '1×3×224×224', measured[i + 1], runs, first.flops, p.notes),
        impl: 'onnxruntime-web',
        config: p.config,
        variant: 'f32 weights',
      }),
    );
    await Promise.all(peers.map((p) => p.release()));

    const ids = new Int32Array(77).map((_, i) => (i === 76 ? 49407 : 1 + ((i * 7919) % 49000)));
    const tfirst = await encode(ids);
    const text = (await measureInterleaved([{ first: async () => tfirst.ms, sample: async () => (await encode(ids)).ms }], m))[0];
    emit(e2eRow('text encode (77 tokens)', '1×77', text, runs, tfirst.flops, 'FLOPs = matmul FLOPs counted at dispatch'));

    if (opts.gen !== false) emit(await (await import('./step.js')).benchStep(clip, software, m, log));
  } catch (e) {
    if (e instanceof Stopped) throw e;
    const msg = `e2e: ${errorText(e)}`;
    errors.push(msg);
    log(`  ERROR ${msg}`);
  } finally {
    clip?.dispose();
  }
}
