// CLIPVisionTransformer: patch embedding (a stride-`patch` convolution without bias), the class
// token, position embeddings, pre_layrnorm (Hugging Face's spelling), the encoder, and
// post_layernorm on the class token.
import { ops, Tensor } from '../tensor/index.js';
import type { ClipVisionConfig } from './config.js';
import { ClipEncoder, LayerNorm, type Weights, type ModelOptions } from './layers.js';

export interface VisionOutput {
  last_hidden_state: Tensor;
  pooler_output: Tensor;
  hidden_states?: Tensor[];
}

export class ClipVisionTransformer {
  readonly class_embedding: Tensor;
  readonly patch_embedding: Tensor;
  readonly position_embedding: Tensor;
  readonly pre_layrnorm: LayerNorm;
  readonly encoder: ClipEncoder;
  readonly post_layernorm: LayerNorm;

  constructor(
    w: Weights,
    readonly config: ClipVisionConfig,
    options: ModelOptions = {},
  ) {
    this.class_embedding = w.get('vision_model.embeddings.class_embedding');
    this.patch_embedding = w.get('vision_model.embeddings.patch_embedding.weight');
    this.position_embedding = w.get('vision_model.embeddings.position_embedding.weight');
    this.pre_layrnorm = new LayerNorm(w, 'vision_model.pre_layrnorm', config.layer_norm_eps);
    this.encoder = new ClipEncoder(w, 'vision_model.encoder', config, options);
    this.post_layernorm = new LayerNorm(w, 'vision_model.post_layernorm', config.layer_norm_eps);
  }

  /** pixel_values: normalized [B, C, S, S]. */
  forward(pixel_values: Tensor, opts: { outputHiddenStates?: boolean } = {}): VisionOutput {
    const c = this.config;
    const [batch, channels, h, w] = pixel_values.shape;
    if (pixel_values.shape.length !== 4 || channels !== c.num_channels || h !== c.image_size || w !== c.image_size)
      throw new Error(
        `CLIP vision: pixel_values must be [B, ${c.num_channels}, ${c.image_size}, ${c.image_size}], got [${pixel_values.shape.join(', ')}]`,
      );
    const D = c.hidden_size;
    const grid = c.image_size / c.patch_size;
    const patches = ops.conv2d(pixel_values, this.patch_embedding, undefined, { stride: c.patch_size, channelsLast: true });
    const patchTokens = ops.reshape(patches, [batch, grid * grid, D]);
    // the class token repeated over the batch: zeros [B, 1, D] + class_embedding, so its gradient sums
    const zeros = Tensor.zeros([batch, 1, D], { runtime: pixel_values.rt });
    const cls = ops.add(zeros, this.class_embedding);
    const tokens = ops.concat([cls, patchTokens], 1);
    const embeddings = ops.add(tokens, this.position_embedding);
    [patches, patchTokens, zeros, cls, tokens].forEach((t) => t.dispose());
    const pre = this.pre_layrnorm.forward(embeddings);
    embeddings.dispose();
    // as in Hugging Face, hidden_states[0] is the encoder's input (after pre_layrnorm)
    const hidden_states = opts.outputHiddenStates ? [pre] : undefined;
    const last_hidden_state = this.encoder.forward(pre, false, hidden_states);
    if (!hidden_states) pre.dispose();
    const first = ops.slice(last_hidden_state, 1, 0, 1);
    const clsRows = ops.reshape(first, [batch, D]);
    const pooler_output = this.post_layernorm.forward(clsRows);
    first.dispose();
    clsRows.dispose();
    return { last_hidden_state, pooler_output, hidden_states };
  }
}
