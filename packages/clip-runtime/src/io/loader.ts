// Loads CLIP weights onto the GPU from Hugging Face (config.json + model.safetensors) or OpenAI /
// open_clip (open_clip_model.safetensors, config inferred from shapes) files. The header is checked
// against the config before any data is read; tensors are then streamed one at a time, so the file
// is never held in memory twice.
import { inferOpenAiConfig, parseHfConfig, type ClipConfig, type HiddenAct } from '../model/config.js';
import { rowBlockName, Weights } from '../model/layers.js';
import { Tensor } from '../tensor/tensor.js';
import type { Runtime } from '../tensor/runtime.js';
import type { ModelFiles } from './files.js';
import { expectedTensors, isGatheredTable, isIgnored, isLinearWeight, openAiSources } from './layout.js';
import { f32ToF16Bits, readHeader, readTensorF16Bits, readTensorF32, type ByteSource, type SafetensorsHeader } from './safetensors.js';

export interface LoadWeightsOptions {
  /** 'f16' keeps the Linear weights packed as f16 on the GPU (half the memory); default 'f32' */
  dtype?: 'f32' | 'f16';
  /** called after each tensor with bytes read so far and the total */
  onProgress?: (loaded: number, total: number) => void;
}

const fmt = (s: readonly number[]) => `[${s.join(', ')}]`;

export async function loadWeights(
  files: ModelFiles,
  rt: Runtime,
  opts: LoadWeightsOptions = {},
): Promise<{ config: ClipConfig; weights: Weights }> {
  const hf = await files.has('model.safetensors');
  const openai = !hf && (await files.has('open_clip_model.safetensors'));
  if (!hf && !openai)
    throw new Error(`${files.label}: no model.safetensors (Hugging Face) or open_clip_model.safetensors (OpenAI / open_clip) found`);
  const fileName = hf ? 'model.safetensors' : 'open_clip_model.safetensors';
  const src = await files.source(fileName);
  const tensors = new Map<string, Tensor>();
  try {
    const header = await readHeader(src);
    const config = hf ? hfConfig(parseJson('config.json', await readConfig(files))) : await openAiConfig(files, header);
    checkSizes(config, header.tensors.size, hf ? 'config.json' : `${src.label} (inferred config)`);
    const expected = expectedTensors(config);
    const sources = hf ? null : openAiSources(config);
    // every expected tensor present with its shape, before reading any data
    for (const [name, shape] of expected) {
      const from = sources ? sources.get(name)! : { name };
      const info = header.tensors.get(from.name);
      if (!info) throw new Error(`${src.label}: missing tensor '${from.name}'${sources ? ` (for ${name})` : ''}`);
      const got = sourceShape(info.shape, from);
      if (fmt(got) !== fmt(shape) && !(shape.length === 0 && got.length === 1 && got[0] === 1))
        throw new Error(`${src.label}: tensor '${from.name}' has shape ${fmt(info.shape)}, the config needs ${fmt(shape)}`);
    }
    if (hf) {
      for (const name of header.tensors.keys())
        if (!expected.has(name) && !isIgnored(name))
          throw new Error(`${src.label}: unexpected tensor '${name}': the config describes a different model`);
    }
    // each tensor is one storage buffer, except a gathered table over the binding limit, which is
    // split in row blocks (ViT-L/14's 49408 × 768 token embedding is 145 MiB; WebGPU guarantees
    // 128 MiB); anything else too large for a binding fails here, before any upload
    const maxBinding = rt.gpu.limits.maxStorageBufferBindingSize;
    const blockRows = new Map<string, number>();
    for (const [name, shape] of expected) {
      const bytes = shape.reduce((a, b) => a * b, 1) * (opts.dtype === 'f16' && isLinearWeight(name) ? 2 : 4);
      if (bytes <= maxBinding) continue;
      const rows = Math.floor(maxBinding / (bytes / shape[0]!));
      if (isGatheredTable(name) && rows >= 1) blockRows.set(name, rows);
      else
        throw new Error(
          `${src.label}: tensor '${sources?.get(name)?.name ?? name}' ${fmt(shape)} needs ${bytes} bytes on the GPU, more than this device's maxStorageBufferBindingSize of ${maxBinding} bytes`,
        );
    }
    const total = [...expected.keys()].reduce((s, n) => s + byteLength(header, sources?.get(n)?.name ?? n), 0);
    let loaded = 0;
    const cache = new Map<string, Float32Array>(); // an in_proj read once for q, k and v
    for (const [name, shape] of expected) {
      const from = sources?.get(name) ?? { name };
      const packed = opts.dtype === 'f16' && isLinearWeight(name);
      let tensor: Tensor;
      if (packed && !sources) {
        tensor = Tensor.from(await readTensorF16Bits(src, header, name), shape, { runtime: rt });
      } else {
        let data = cache.get(from.name) ?? (await readTensorF32(src, header, from.name));
        if (from.rows) {
          if (from.rows[1] < header.tensors.get(from.name)!.shape[0]) cache.set(from.name, data);
          else cache.delete(from.name);
          const cols = data.length / header.tensors.get(from.name)!.shape[0];
          data = data.slice(from.rows[0] * cols, from.rows[1] * cols);
        }
        if (from.transpose) data = transpose(data, header.tensors.get(from.name)!.shape);
        const rows = blockRows.get(name);
        if (rows) {
          const cols = shape[1]!;
          for (let first = 0, i = 0; first < shape[0]!; first += rows, i++) {
            const n = Math.min(rows, shape[0]! - first);
            tensors.set(rowBlockName(name, i), Tensor.from(data.subarray(first * cols, (first + n) * cols), [n, cols], { runtime: rt }));
          }
          loaded += byteLength(header, from.name);
          opts.onProgress?.(Math.min(loaded, total), total);
          continue;
        }
        tensor = packed ? Tensor.from(f32ToF16Bits(data), shape, { runtime: rt }) : Tensor.from(data, shape, { runtime: rt });
      }
      tensors.set(name, tensor);
      loaded += byteLength(header, from.name) / (from.rows ? 3 : 1);
      opts.onProgress?.(Math.min(loaded, total), total);
    }
    return { config, weights: new Weights(tensors) };
  } catch (e) {
    for (const t of tensors.values()) t.dispose();
    throw e;
  } finally {
    await (src as ByteSource & { close?(): Promise<void> }).close?.();
  }
}

/** parseHfConfig, its message kept short: it quotes the offending value whole (a 1 MB string...). */
function hfConfig(json: unknown): ClipConfig {
  try {
    return parseHfConfig(json);
  } catch (e) {
    const m = oneLine((e as Error).message);
    throw new Error(m.length > 300 ? `${m.slice(0, 297)}...` : m);
  }
}

/** JSON.parse with the file named and the message on one line (V8 quotes the input, newlines too). */
function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON: ${oneLine((e as Error).message)}`);
  }
}

const MAX_LAYERS = 1024;

const show = (v: unknown) => {
  const s = oneLine(String(JSON.stringify(v) ?? v));
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
};
const oneLine = (s: string) => s.replace(/[\u0000-\u001f\u2028\u2029]+/g, ' ');

/**
 * Every size a config gives must be a positive integer, with at most MAX_LAYERS layers: a forged
 * config (1e9 layers, 1e400 = Infinity, -3 heads) is an error naming the field, not a loop over a
 * billion expected names or a shape of NaN.
 */
function checkSizes(c: ClipConfig, tensorsInFile: number, file: string): void {
  const fields: [string, Record<string, unknown>, string[]][] = [
    [
      'text_config',
      c.text_config as unknown as Record<string, unknown>,
      ['vocab_size', 'hidden_size', 'intermediate_size', 'num_attention_heads', 'num_hidden_layers', 'max_position_embeddings'],
    ],
    [
      'vision_config',
      c.vision_config as unknown as Record<string, unknown>,
      ['hidden_size', 'intermediate_size', 'num_attention_heads', 'num_hidden_layers', 'image_size', 'patch_size', 'num_channels'],
    ],
    ['', c as unknown as Record<string, unknown>, ['projection_dim']],
  ];
  for (const [where, cfg, keys] of fields)
    for (const k of keys) {
      const v = cfg[k];
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1)
        throw new Error(`${file}: ${where ? `${where}.` : ''}${k} must be a positive integer, got ${show(v)}`);
    }
  for (const where of ['text_config', 'vision_config'] as const) {
    const { hidden_size: w, num_attention_heads: h } = c[where];
    if (w % h !== 0) throw new Error(`${file}: ${where}.hidden_size ${w} is not divisible by num_attention_heads ${h}`);
  }
  // the expected names are enumerated per layer before the header is compared: bound the loop
  // (the largest CLIPs have 48 layers; a missing layer is then a "missing tensor" error)
  for (const where of ['text_config', 'vision_config'] as const) {
    const layers = c[where].num_hidden_layers;
    if (layers > MAX_LAYERS)
      throw new Error(`${file}: ${where}.num_hidden_layers ${layers} is more than ${MAX_LAYERS}; the file has ${tensorsInFile} tensors`);
  }
  for (const where of ['text_config', 'vision_config'] as const) {
    const eps = c[where].layer_norm_eps;
    if (typeof eps !== 'number' || !Number.isFinite(eps) || eps < 0)
      throw new Error(`${file}: ${where}.layer_norm_eps must be a finite number ≥ 0, got ${show(eps)}`);
  }
}

async function readConfig(files: ModelFiles): Promise<string> {
  if (!(await files.has('config.json'))) throw new Error(`${files.label}: model.safetensors needs its config.json beside it`);
  return files.text('config.json');
}

/** OpenAI layout: shapes, plus heads from safetensors metadata or open_clip_config.json when given. */
async function openAiConfig(files: ModelFiles, header: SafetensorsHeader): Promise<ClipConfig> {
  const shapes = new Map([...header.tensors].map(([n, t]) => [n, t.shape]));
  const hints: { textHeads?: number; visionHeads?: number; hiddenAct?: HiddenAct } = {};
  const m = header.metadata;
  if (m.transformer_heads) hints.textHeads = Number(m.transformer_heads);
  if (m.vision_heads) hints.visionHeads = Number(m.vision_heads);
  if (await files.has('open_clip_config.json')) {
    const cfg =
      (parseJson('open_clip_config.json', await files.text('open_clip_config.json')) as { model_cfg?: any } | null)?.model_cfg ?? {};
    if (cfg.text_cfg?.heads) hints.textHeads = cfg.text_cfg.heads;
    const vw = cfg.vision_cfg?.width;
    const hw = cfg.vision_cfg?.head_width ?? 64;
    if (vw) hints.visionHeads = Math.floor(vw / hw);
    if (cfg.quick_gelu === false) hints.hiddenAct = 'gelu';
  }
  return inferOpenAiConfig(shapes, hints);
}

function sourceShape(shape: readonly number[], from: { rows?: [number, number]; transpose?: boolean }): number[] {
  let s = [...shape];
  if (from.rows) s = [from.rows[1] - from.rows[0], ...s.slice(1)];
  if (from.transpose) s = [...s].reverse();
  return s;
}

function byteLength(h: SafetensorsHeader, name: string): number {
  const t = h.tensors.get(name);
  return t ? t.end - t.begin : 0;
}

function transpose(data: Float32Array, shape: readonly number[]): Float32Array {
  const [r, c] = shape;
  const out = new Float32Array(data.length);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = data[i * c + j];
  return out;
}
