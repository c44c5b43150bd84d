// clipgpu-tiny: a small CLIP ViT in Hugging Face's layout (config.json, model.safetensors,
// vocab.json, merges.txt) for the shapes dataset, initialised from a seed as Hugging Face's
// CLIPPreTrainedModel._init_weights does (normal std 0.02 embeddings, scaled projections).
import { WORDS } from './data/shapes.js';
import { ParamSet } from './params.js';
import { buildVocab, type TinyVocab } from './vocab.js';
import { expectedTensors } from '@clipgpu/clip-runtime/internals';
import { parseHfConfig, type ClipConfig, type Runtime } from '@clipgpu/clip-runtime';
import { stream } from '@clipgpu/clip-runtime/internals';

export interface TinySize {
  imageSize: number;
  patchSize: number;
  width: number;
  layers: number;
  textLayers: number;
  heads: number;
  projection: number;
  context: number;
}

// the shipped model's sizes: `pnpm train:tiny` trains this architecture unless told otherwise
export const DEFAULT_TINY: TinySize = {
  imageSize: 32,
  patchSize: 4,
  width: 64,
  layers: 2,
  textLayers: 1,
  heads: 2,
  projection: 64,
  context: 16,
};

export function tinyVocab(): TinyVocab {
  return buildVocab(WORDS);
}

/** config.json of the tiny CLIP (a regular CLIPConfig). */
export function tinyConfigJson(s: TinySize, vocabSize: number): Record<string, unknown> {
  return {
    architectures: ['CLIPModel'],
    model_type: 'clip',
    projection_dim: s.projection,
    logit_scale_init_value: 2.6592,
    text_config: {
      model_type: 'clip_text_model',
      vocab_size: vocabSize,
      hidden_size: s.width,
      intermediate_size: 4 * s.width,
      num_attention_heads: s.heads,
      num_hidden_layers: s.textLayers,
      max_position_embeddings: s.context,
      hidden_act: 'quick_gelu',
      layer_norm_eps: 1e-5,
      // legacy pooling: the end token is the largest id of the vocabulary
      bos_token_id: vocabSize - 2,
      eos_token_id: 2,
      pad_token_id: 1,
      projection_dim: s.projection,
    },
    vision_config: {
      model_type: 'clip_vision_model',
      hidden_size: s.width,
      intermediate_size: 4 * s.width,
      num_attention_heads: s.heads,
      num_hidden_layers: s.layers,
      image_size: s.imageSize,
      patch_size: s.patchSize,
      num_channels: 3,
      hidden_act: 'quick_gelu',
      layer_norm_eps: 1e-5,
      projection_dim: s.projection,
    },
    torch_dtype: 'float32',
    transformers_version: '4.44.0',
  };
}

/** Fresh parameters for every tensor the config needs, by Hugging Face name. */
export function initTinyClip(config: ClipConfig, rt: Runtime, seed: number): ParamSet {
  const p = new ParamSet(rt);
  const random = stream(seed, 'tiny-clip-init');
  for (const [name, shape] of expectedTensors(config)) {
    const tower = name.startsWith('vision_model') ? config.vision_config : config.text_config;
    const layers = tower.num_hidden_layers;
    if (name === 'logit_scale') p.add(name, [], { kind: 'const', value: config.logit_scale_init_value }, random);
    else if (/layer_?norm|layrnorm/.test(name)) p.add(name, shape, { kind: 'const', value: name.endsWith('.weight') ? 1 : 0 }, random);
    else if (name.endsWith('.bias')) p.add(name, shape, { kind: 'const', value: 0 }, random);
    else if (name.includes('embedding')) {
      const std = name.endsWith('patch_embedding.weight') ? 1 / Math.sqrt(shape.slice(1).reduce((a, b) => a * b, 1)) : 0.02;
      p.add(name, shape, { kind: 'normal', std }, random);
    } else {
      const fanIn = shape[shape.length - 1]!;
      // residual branches (out_proj, fc2) scaled down with depth, as GPT-2 / CLIP do
      const residual = /out_proj|fc2/.test(name) ? 1 / Math.sqrt(2 * layers) : 1;
      p.add(name, shape, { kind: 'normal', std: residual / Math.sqrt(fanIn) }, random);
    }
  }
  return p;
}

export function tinyConfig(s: TinySize = DEFAULT_TINY): { json: Record<string, unknown>; config: ClipConfig; vocab: TinyVocab } {
  const vocab = tinyVocab();
  const json = tinyConfigJson(s, vocab.size);
  return { json, config: parseHfConfig(json), vocab };
}
