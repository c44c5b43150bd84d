// The tensors a CLIP of a given config must have, by Hugging Face name and shape, and the mapping
// from the OpenAI / open_clip state-dict names onto them.
import type { ClipConfig } from '../model/config.js';

/** Hugging Face name → expected shape. */
export function expectedTensors(c: ClipConfig): Map<string, number[]> {
  const t = c.text_config;
  const v = c.vision_config;
  const out = new Map<string, number[]>();
  const encoder = (prefix: string, layers: number, width: number, mlp: number) => {
    for (let i = 0; i < layers; i++) {
      const p = `${prefix}.encoder.layers.${i}`;
      for (const proj of ['q_proj', 'k_proj', 'v_proj', 'out_proj']) {
        out.set(`${p}.self_attn.${proj}.weight`, [width, width]);
        out.set(`${p}.self_attn.${proj}.bias`, [width]);
      }
      for (const ln of ['layer_norm1', 'layer_norm2']) {
        out.set(`${p}.${ln}.weight`, [width]);
        out.set(`${p}.${ln}.bias`, [width]);
      }
      out.set(`${p}.mlp.fc1.weight`, [mlp, width]);
      out.set(`${p}.mlp.fc1.bias`, [mlp]);
      out.set(`${p}.mlp.fc2.weight`, [width, mlp]);
      out.set(`${p}.mlp.fc2.bias`, [width]);
    }
  };
  out.set('text_model.embeddings.token_embedding.weight', [t.vocab_size, t.hidden_size]);
  out.set('text_model.embeddings.position_embedding.weight', [t.max_position_embeddings, t.hidden_size]);
  encoder('text_model', t.num_hidden_layers, t.hidden_size, t.intermediate_size);
  out.set('text_model.final_layer_norm.weight', [t.hidden_size]);
  out.set('text_model.final_layer_norm.bias', [t.hidden_size]);
  const grid = v.image_size / v.patch_size;
  out.set('vision_model.embeddings.class_embedding', [v.hidden_size]);
  out.set('vision_model.embeddings.patch_embedding.weight', [v.hidden_size, v.num_channels, v.patch_size, v.patch_size]);
  out.set('vision_model.embeddings.position_embedding.weight', [grid * grid + 1, v.hidden_size]);
  for (const ln of ['pre_layrnorm', 'post_layernorm']) {
    out.set(`vision_model.${ln}.weight`, [v.hidden_size]);
    out.set(`vision_model.${ln}.bias`, [v.hidden_size]);
  }
  encoder('vision_model', v.num_hidden_layers, v.hidden_size, v.intermediate_size);
  out.set('visual_projection.weight', [c.projection_dim, v.hidden_size]);
  out.set('text_projection.weight', [c.projection_dim, t.hidden_size]);
  out.set('logit_scale', []);
  return out;
}

/** Linear weights: the ones that may stay packed f16 on the GPU. */
export function isLinearWeight(name: string): boolean {
  return /(_proj|fc1|fc2|projection)\.weight$/.test(name);
}

/** Tables read only by a gather (ops.embedding), which can be split in row blocks. */
export function isGatheredTable(name: string): boolean {
  return name.endsWith('token_embedding.weight');
}

/** Buffers present in some Hugging Face files that are not parameters. */
export function isIgnored(name: string): boolean {
  return name.endsWith('position_ids');
}

/**
 * How one Hugging Face tensor is made from an OpenAI state dict: a source name, optionally a row
 * range of it (in_proj's q, k, v thirds) and a transpose (OpenAI's projections are [in, out]).
 */
export interface OpenAiSource {
  name: string;
  rows?: [number, number];
  transpose?: boolean;
  /** OpenAI's logit_scale is a 1-element vector in some exports, a scalar in others */
  scalar?: boolean;
}

export function openAiSources(c: ClipConfig): Map<string, OpenAiSource> {
  const map = new Map<string, OpenAiSource>();
  const tower = (hf: string, oa: string, layers: number, width: number) => {
    for (let i = 0; i < layers; i++) {
      const p = `${hf}.encoder.layers.${i}`;
      const q = `${oa}.resblocks.${i}`;
      ['q_proj', 'k_proj', 'v_proj'].forEach((proj, j) => {
        const rows: [number, number] = [j * width, (j + 1) * width];
        map.set(`${p}.self_attn.${proj}.weight`, { name: `${q}.attn.in_proj_weight`, rows });
        map.set(`${p}.self_attn.${proj}.bias`, { name: `${q}.attn.in_proj_bias`, rows });
      });
      for (const k of ['weight', 'bias']) {
        map.set(`${p}.self_attn.out_proj.${k}`, { name: `${q}.attn.out_proj.${k}` });
        map.set(`${p}.layer_norm1.${k}`, { name: `${q}.ln_1.${k}` });
        map.set(`${p}.layer_norm2.${k}`, { name: `${q}.ln_2.${k}` });
        map.set(`${p}.mlp.fc1.${k}`, { name: `${q}.mlp.c_fc.${k}` });
        map.set(`${p}.mlp.fc2.${k}`, { name: `${q}.mlp.c_proj.${k}` });
      }
    }
  };
  tower('text_model', 'transformer', c.text_config.num_hidden_layers, c.text_config.hidden_size);
  tower('vision_model', 'visual.transformer', c.vision_config.num_hidden_layers, c.vision_config.hidden_size);
  map.set('text_model.embeddings.token_embedding.weight', { name: 'token_embedding.weight' });
  map.set('text_model.embeddings.position_embedding.weight', { name: 'positional_embedding' });
  for (const k of ['weight', 'bias']) {
    map.set(`text_model.final_layer_norm.${k}`, { name: `ln_final.${k}` });
    map.set(`vision_model.pre_layrnorm.${k}`, { name: `visual.ln_pre.${k}` });
    map.set(`vision_model.post_layernorm.${k}`, { name: `visual.ln_post.${k}` });
  }
  map.set('vision_model.embeddings.class_embedding', { name: 'visual.class_embedding' });
  map.set('vision_model.embeddings.patch_embedding.weight', { name: 'visual.conv1.weight' });
  map.set('vision_model.embeddings.position_embedding.weight', { name: 'visual.positional_embedding' });
  map.set('visual_projection.weight', { name: 'visual.proj', transpose: true });
  map.set('text_projection.weight', { name: 'text_projection', transpose: true });
  map.set('logit_scale', { name: 'logit_scale', scalar: true });
  return map;
}
