// CLIP configuration in Hugging Face's CLIPConfig layout (snake_case, as in config.json), with HF's
// defaults, and the same config inferred from an OpenAI / open_clip state dict as OpenAI's
// build_model does.

export type HiddenAct = 'quick_gelu' | 'gelu';

export interface ClipTextConfig {
  vocab_size: number;
  hidden_size: number;
  intermediate_size: number;
  num_attention_heads: number;
  num_hidden_layers: number;
  max_position_embeddings: number;
  hidden_act: HiddenAct;
  layer_norm_eps: number;
  bos_token_id: number;
  eos_token_id: number;
  pad_token_id: number;
}

export interface ClipVisionConfig {
  hidden_size: number;
  intermediate_size: number;
  num_attention_heads: number;
  num_hidden_layers: number;
  image_size: number;
  patch_size: number;
  num_channels: number;
  hidden_act: HiddenAct;
  layer_norm_eps: number;
}

export interface ClipConfig {
  text_config: ClipTextConfig;
  vision_config: ClipVisionConfig;
  projection_dim: number;
  logit_scale_init_value: number;
}

// Hugging Face's CLIPTextConfig / CLIPVisionConfig defaults (openai/clip-vit-base-patch32).
const TEXT_DEFAULTS: ClipTextConfig = {
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
};
const VISION_DEFAULTS: ClipVisionConfig = {
  hidden_size: 768,
  intermediate_size: 3072,
  num_attention_heads: 12,
  num_hidden_layers: 12,
  image_size: 224,
  patch_size: 32,
  num_channels: 3,
  hidden_act: 'quick_gelu',
  layer_norm_eps: 1e-5,
};

function pick<T extends object>(defaults: T, given: Record<string, unknown> | undefined, where: string): T {
  const out = { ...defaults } as Record<string, unknown>;
  for (const key of Object.keys(defaults)) {
    const v = given?.[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== typeof (defaults as Record<string, unknown>)[key])
      throw new Error(
        `config.json: ${where}.${key} should be a ${typeof (defaults as Record<string, unknown>)[key]}, got ${JSON.stringify(v)}`,
      );
    out[key] = v;
  }
  return out as T;
}

function checkAct(act: string, where: string): void {
  if (act !== 'quick_gelu' && act !== 'gelu')
    throw new Error(`config.json: ${where}.hidden_act '${act}' is not supported (quick_gelu or gelu)`);
}

/** Parses a Hugging Face CLIP config.json (a CLIPConfig with text_config and vision_config). */
export function parseHfConfig(json: unknown): ClipConfig {
  if (!json || typeof json !== 'object') throw new Error('config.json: not a JSON object');
  const c = json as Record<string, unknown>;
  if (!c.text_config || !c.vision_config) throw new Error('config.json: no text_config / vision_config: is this a CLIPModel config?');
  const text = pick(TEXT_DEFAULTS, c.text_config as Record<string, unknown>, 'text_config');
  const vision = pick(VISION_DEFAULTS, c.vision_config as Record<string, unknown>, 'vision_config');
  checkAct(text.hidden_act, 'text_config');
  checkAct(vision.hidden_act, 'vision_config');
  for (const [where, cfg] of [
    ['text_config', text],
    ['vision_config', vision],
  ] as const)
    if (cfg.hidden_size % cfg.num_attention_heads !== 0)
      throw new Error(
        `config.json: ${where}.hidden_size ${cfg.hidden_size} is not divisible by num_attention_heads ${cfg.num_attention_heads}`,
      );
  if (vision.image_size % vision.patch_size !== 0)
    throw new Error(`config.json: image_size ${vision.image_size} is not a multiple of patch_size ${vision.patch_size}`);
  return {
    text_config: text,
    vision_config: vision,
    projection_dim: typeof c.projection_dim === 'number' ? c.projection_dim : 512,
    logit_scale_init_value: typeof c.logit_scale_init_value === 'number' ? c.logit_scale_init_value : 2.6592,
  };
}

/** Number of layers: the count of distinct N in names `${prefix}N.${suffix}`. */
function countLayers(names: Iterable<string>, prefix: string): number {
  const ids = new Set<number>();
  for (const n of names) if (n.startsWith(prefix)) ids.add(Number(n.slice(prefix.length).split('.')[0]));
  return ids.size;
}

/**
 * Infers the config of an OpenAI / open_clip state dict from its tensor shapes, as OpenAI's
 * build_model does (heads = width / 64 unless given, e.g. from open_clip_config.json).
 */
export function inferOpenAiConfig(
  shapes: Map<string, readonly number[]>,
  hints: { textHeads?: number; visionHeads?: number; hiddenAct?: HiddenAct; eps?: number } = {},
): ClipConfig {
  const shape = (name: string) => {
    const s = shapes.get(name);
    if (!s) throw new Error(`OpenAI CLIP state dict: missing tensor '${name}' needed to infer the config`);
    return s;
  };
  if (!shapes.has('visual.conv1.weight'))
    throw new Error("OpenAI CLIP state dict: no 'visual.conv1.weight' (ResNet CLIPs are not supported, only ViTs)");
  const [visionWidth, channels, patch] = shape('visual.conv1.weight');
  const grid = Math.round(Math.sqrt(shape('visual.positional_embedding')[0] - 1));
  const textWidth = shape('ln_final.weight')[0];
  const act = hints.hiddenAct ?? 'quick_gelu';
  const eps = hints.eps ?? 1e-5;
  const vocab = shape('token_embedding.weight')[0];
  return {
    text_config: {
      ...TEXT_DEFAULTS,
      vocab_size: vocab,
      hidden_size: textWidth,
      intermediate_size: shape('transformer.resblocks.0.mlp.c_fc.weight')[0],
      num_attention_heads: hints.textHeads ?? Math.max(1, Math.floor(textWidth / 64)),
      num_hidden_layers: countLayers(shapes.keys(), 'transformer.resblocks.'),
      max_position_embeddings: shape('positional_embedding')[0],
      hidden_act: act,
      layer_norm_eps: eps,
      // OpenAI's checkpoints pool at the largest id (the end token is the last of the vocabulary)
      eos_token_id: 2,
      bos_token_id: vocab - 2,
    },
    vision_config: {
      ...VISION_DEFAULTS,
      hidden_size: visionWidth,
      intermediate_size: shape('visual.transformer.resblocks.0.mlp.c_fc.weight')[0],
      num_attention_heads: hints.visionHeads ?? Math.max(1, Math.floor(visionWidth / 64)),
      num_hidden_layers: countLayers(shapes.keys(), 'visual.transformer.resblocks.'),
      image_size: patch * grid,
      patch_size: patch,
      num_channels: channels,
      hidden_act: act,
      layer_norm_eps: eps,
    },
    projection_dim: shape('text_projection')[1],
    logit_scale_init_value: 2.6592,
  };
}
